# Run at install time by `cmake --install` and cpack (CMakeLists.txt, "Installing"): what needs
# this installation's paths or a compressed copy.
#
# The systemd unit and its env file name the installed binary and each other, which only the
# install knows (cpack installs under /usr whatever prefix the build was configured with). Under
# /usr (the .deb) they go where Debian 12 wants them; under another prefix both stay inside it.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc_dir /etc/conveyor)
  set(unit_dir /lib/systemd/system)
else()
  set(etc_dir ${CMAKE_INSTALL_PREFIX}/etc/conveyor)
  set(unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(CONVEYOR_BIN ${CMAKE_INSTALL_PREFIX}/${CONVEYOR_BINDIR}/conveyor)
set(CONVEYOR_ENV_FILE ${etc_dir}/conveyor.env)
set(CONVEYOR_DOC_DIR ${CMAKE_INSTALL_PREFIX}/share/doc/conveyor)
set(gen ${CONVEYOR_BINARY_DIR}/packaging)
set(readable OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
configure_file(${CONVEYOR_SOURCE_DIR}/packaging/systemd/conveyor.service.in
               ${gen}/conveyor.service @ONLY)
file(INSTALL ${gen}/conveyor.service DESTINATION ${unit_dir} PERMISSIONS ${readable})
file(INSTALL ${CONVEYOR_SOURCE_DIR}/packaging/conveyor.env DESTINATION ${etc_dir}
     PERMISSIONS ${readable})

# The man page, the project's changelog and the Debian changelog that points to it, compressed as
# Debian wants them (gzip -9n: no name or time inside).
string(TIMESTAMP CONVEYOR_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${CONVEYOR_SOURCE_DIR}/packaging/deb/changelog.in ${gen}/changelog @ONLY)
foreach(pair "${CONVEYOR_SOURCE_DIR}/packaging/conveyor.1=man/man1/conveyor.1.gz"
             "${CONVEYOR_SOURCE_DIR}/CHANGELOG.md=doc/conveyor/CHANGELOG.md.gz"
             "${gen}/changelog=doc/conveyor/changelog.gz")
  string(REPLACE "=" ";" pair ${pair})
  list(GET pair 0 source)
  list(GET pair 1 target)
  get_filename_component(name ${target} NAME)
  get_filename_component(dir ${target} DIRECTORY)
  execute_process(COMMAND gzip -9nc ${source} OUTPUT_FILE ${gen}/${name}
                  COMMAND_ERROR_IS_FATAL ANY)
  file(INSTALL ${gen}/${name} DESTINATION ${CMAKE_INSTALL_PREFIX}/share/${dir}
       PERMISSIONS ${readable})
endforeach()
