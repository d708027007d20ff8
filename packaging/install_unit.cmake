# Run at install time by `cmake --install` and cpack (CMakeLists.txt, "Installing"): installs the
# systemd unit and its env file with this installation's paths, which only the install knows
# (cpack installs under /usr whatever prefix the build was configured with). Under /usr (the .deb)
# they go where Debian 12 wants them; under another prefix both stay inside it.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc_dir /etc/conveyor)
  set(unit_dir /lib/systemd/system)
else()
  set(etc_dir ${CMAKE_INSTALL_PREFIX}/etc/conveyor)
  set(unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(CONVEYOR_BIN ${CMAKE_INSTALL_PREFIX}/${CONVEYOR_BINDIR}/conveyor)
set(CONVEYOR_ENV_FILE ${etc_dir}/conveyor.env)
configure_file(${CONVEYOR_SOURCE_DIR}/packaging/systemd/conveyor.service.in
               ${CONVEYOR_BINARY_DIR}/packaging/conveyor.service @ONLY)
file(INSTALL ${CONVEYOR_BINARY_DIR}/packaging/conveyor.service DESTINATION ${unit_dir}
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL ${CONVEYOR_SOURCE_DIR}/packaging/conveyor.env DESTINATION ${etc_dir}
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
