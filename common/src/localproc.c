/* The process at the other end of the debugger's own sockets, found through
 * /proc (TCP) and sock_diag (unix sockets), as gdb-pt-dump and bata24's GEF
 * find QEMU; and that process's memory mappings.  Linux only. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifdef __linux__
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>

#define MAX_SOCKETS 256

/* The inodes of the sockets this process holds. */
static size_t own_sockets(unsigned long *inodes, size_t cap)
{
    DIR *d = opendir("/proc/self/fd");
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < cap) {
        char path[64], link[64];
        snprintf(path, sizeof path, "/proc/self/fd/%.20s", e->d_name);
        ssize_t len = readlink(path, link, sizeof link - 1);
        if (len <= 0)
            continue;
        link[len] = '\0';
        unsigned long inode;
        if (sscanf(link, "socket:[%lu]", &inode) == 1)
            inodes[n++] = inode;
    }
    if (d)
        closedir(d);
    return n;
}

/* TCP: the peer of our socket is the entry whose ends are ours swapped. */
static unsigned long tcp_peer(const char *table, unsigned long inode)
{
    FILE *f = fopen(table, "r");
    if (!f)
        return 0;
    char line[512], local[64] = "", remote[64] = "";
    char l2[64], r2[64];
    unsigned long ino, peer = 0;
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s %lu", l2, r2, &ino) == 3 &&
            ino == inode) {
            snprintf(local, sizeof local, "%s", l2);
            snprintf(remote, sizeof remote, "%s", r2);
            found = 1;
        }
    rewind(f);
    while (found && fgets(line, sizeof line, f))
        if (sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s %lu", l2, r2, &ino) == 3 &&
            strcmp(l2, remote) == 0 && strcmp(r2, local) == 0 && ino) {
            peer = ino;
            break;
        }
    fclose(f);
    return peer;
}

/* Unix sockets: /proc/net/unix does not name peers; sock_diag does. */
static unsigned long unix_peer(unsigned long inode)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return 0;
    struct {
        struct nlmsghdr nlh;
        struct unix_diag_req req;
    } msg = {0};
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST;
    msg.req.sdiag_family = AF_UNIX;
    msg.req.udiag_states = ~0u;
    msg.req.udiag_ino = (unsigned)inode;
    msg.req.udiag_show = UDIAG_SHOW_PEER;
    msg.req.udiag_cookie[0] = msg.req.udiag_cookie[1] = ~0u;
    unsigned long peer = 0;
    char buf[1024];
    if (send(fd, &msg, sizeof msg, 0) == (ssize_t)sizeof msg) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        if (n > 0 && NLMSG_OK(h, (unsigned)n) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
            struct unix_diag_msg *m = NLMSG_DATA(h);
            int left = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *m);
            struct rtattr *a = (struct rtattr *)(m + 1);
            for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
                if (a->rta_type == UNIX_DIAG_PEER)
                    peer = *(unsigned *)RTA_DATA(a);
        }
    }
    close(fd);
    return peer;
}

/* The processes (not this one) holding each socket inode: one pass over
 * /proc however many sockets we ask about. */
static void owners(const unsigned long *inodes, pid_t *pids, size_t n)
{
    DIR *procs = opendir("/proc");
    struct dirent *p;
    pid_t self = getpid();
    size_t left = 0;
    for (size_t i = 0; i < n; i++)
        left += (pids[i] = 0, inodes[i] != 0);
    while (procs && left && (p = readdir(procs))) {
        if (!isdigit((unsigned char)p->d_name[0]) || atoi(p->d_name) == self)
            continue;
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%.20s/fd", p->d_name);
        DIR *fds = opendir(dir);
        struct dirent *e;
        while (fds && left && (e = readdir(fds))) {
            char path[96], link[64];
            unsigned long inode;
            snprintf(path, sizeof path, "%s/%.20s", dir, e->d_name);
            ssize_t len = readlink(path, link, sizeof link - 1);
            if (len <= 0 || (link[len] = '\0', sscanf(link, "socket:[%lu]", &inode) != 1))
                continue;
            for (size_t i = 0; i < n; i++)
                if (inodes[i] == inode && !pids[i]) {
                    pids[i] = (pid_t)atoi(p->d_name);
                    left--;
                }
        }
        if (fds)
            closedir(fds);
    }
    if (procs)
        closedir(procs);
}

size_t wp_local_peers(int *pids, size_t cap, size_t *hidden)
{
    unsigned long inodes[MAX_SOCKETS], peers[MAX_SOCKETS];
    pid_t held[MAX_SOCKETS];
    size_t n = own_sockets(inodes, MAX_SOCKETS), count = 0;
    *hidden = 0;
    for (size_t i = 0; i < n; i++) {
        peers[i] = tcp_peer("/proc/net/tcp", inodes[i]);
        if (!peers[i])
            peers[i] = tcp_peer("/proc/net/tcp6", inodes[i]);
        if (!peers[i])
            peers[i] = unix_peer(inodes[i]);
    }
    owners(peers, held, n);
    for (size_t i = 0; i < n; i++) {
        pid_t pid = held[i];
        if (peers[i] && !pid)
            ++*hidden; /* a peer on this host whose process we may not see */
        int seen = 0;
        for (size_t k = 0; k < count; k++)
            seen |= pids[k] == pid;
        if (pid > 0 && !seen && count < cap)
            pids[count++] = pid;
    }
    return count;
}

uint64_t wp_local_sockets_signature(void)
{
    unsigned long inodes[MAX_SOCKETS];
    size_t n = own_sockets(inodes, MAX_SOCKETS);
    /* Order-free: a sum and a product of mixed inodes, with the count. */
    uint64_t sum = n, prod = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = (uint64_t)inodes[i] * 0x9e3779b97f4a7c15ull;
        sum += x ^ (x >> 29);
        prod *= x | 1;
    }
    return sum ^ (prod << 1);
}

int wp_process_exe(int pid, char *buf, size_t cap)
{
    char path[48];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t len = readlink(path, buf, cap - 1);
    if (len < 0)
        return -errno;
    buf[len] = '\0';
    return 0;
}

int wp_process_maps_cover(int pid, uint64_t start, uint64_t len, int writable)
{
    char path[48], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    FILE *f = fopen(path, "r");
    int ok = 0;
    unsigned long long lo, hi;
    char perms[8];
    while (f && !ok && fgets(line, sizeof line, f))
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 && lo <= start &&
            start + len <= hi && perms[0] == 'r' && (!writable || perms[1] == 'w'))
            ok = 1;
    if (f)
        fclose(f);
    return ok;
}

#else /* not Linux: no local processes to find */

uint64_t wp_local_sockets_signature(void)
{
    return 0;
}

size_t wp_local_peers(int *pids, size_t cap, size_t *hidden)
{
    (void)pids;
    (void)cap;
    *hidden = 0;
    return 0;
}

int wp_process_exe(int pid, char *buf, size_t cap)
{
    (void)pid;
    (void)buf;
    (void)cap;
    return -ENOSYS;
}

int wp_process_maps_cover(int pid, uint64_t start, uint64_t len, int writable)
{
    (void)pid;
    (void)start;
    (void)len;
    (void)writable;
    return 0;
}
#endif
