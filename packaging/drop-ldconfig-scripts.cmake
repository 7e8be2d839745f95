# Run by CPack after it built the packages (CPACK_POST_BUILD_SCRIPTS).  Its
# DEB generator gives every package with a shared object below /usr/lib a
# postinst and a postrm that only run ldconfig, with no switch to turn them
# off.  Debian wants the ldconfig trigger instead (packaging/triggers), and a
# postrm keeps a removed package in dpkg's "rc" state until it is purged.  So
# such a package is rebuilt without those two scripts; nothing else changes.
foreach(deb IN LISTS CPACK_PACKAGE_FILES)
  set(tree ${CPACK_TOPLEVEL_DIRECTORY}/drop-ldconfig)
  file(REMOVE_RECURSE ${tree})
  execute_process(COMMAND dpkg-deb -R ${deb} ${tree} COMMAND_ERROR_IS_FATAL ANY)
  set(dropped 0)
  foreach(script postinst postrm)
    if(EXISTS ${tree}/DEBIAN/${script})
      file(READ ${tree}/DEBIAN/${script} text)
      string(REGEX REPLACE "[ \t\n]+" " " text "${text}")
      if(text MATCHES "^#!/bin/sh set -e if \\[ \"\\$1\" = \"(configure|remove)\" \\]; then ldconfig fi ?$")
        file(REMOVE ${tree}/DEBIAN/${script})
        math(EXPR dropped "${dropped} + 1")
      endif()
    endif()
  endforeach()
  if(dropped)
    execute_process(COMMAND dpkg-deb --root-owner-group -b ${tree} ${deb}
                    OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
  endif()
  file(REMOVE_RECURSE ${tree})
endforeach()
