# Run by `cmake --install` (see CMakeLists.txt): installs the systemd units and the configuration
# with the paths of the prefix given at install time, honouring DESTDIR. The units in
# packaging/systemd name the Debian layout (/usr/bin/voice-sidecar, /etc/voice-sidecar/); for
# another prefix its own paths are written in. The configuration in /etc belongs to the admin
# once installed: an existing one is never overwritten.
#
# In: VS_SOURCE_DIR, VS_STAGING_DIR, VS_BINDIR (relative), VS_SYSTEMD_UNIT_DIR (may be empty),
#     and CMake's own CMAKE_INSTALL_PREFIX.

string(REGEX REPLACE "/+$" "" prefix "${CMAKE_INSTALL_PREFIX}")
# GNUInstallDirs' rule: /usr and / keep their configuration in /etc, any other prefix in PREFIX/etc.
if(prefix STREQUAL "/usr" OR prefix STREQUAL "")
  set(etc "/etc")
else()
  set(etc "${prefix}/etc")
endif()
set(unit_dir "${VS_SYSTEMD_UNIT_DIR}")
if(unit_dir STREQUAL "")
  set(unit_dir "${prefix}/lib/systemd/system")
endif()

foreach(unit voice-sidecar.service voice-sidecar.socket)
  file(READ "${VS_SOURCE_DIR}/packaging/systemd/${unit}" text)
  string(REPLACE "/usr/bin/voice-sidecar" "${prefix}/${VS_BINDIR}/voice-sidecar" text "${text}")
  string(REPLACE "/etc/voice-sidecar/" "${etc}/voice-sidecar/" text "${text}")
  file(WRITE "${VS_STAGING_DIR}/${unit}" "${text}")
  file(INSTALL "${VS_STAGING_DIR}/${unit}" DESTINATION "${unit_dir}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endforeach()

if(EXISTS "$ENV{DESTDIR}${etc}/voice-sidecar/config.yaml")
  message(STATUS "Keeping: $ENV{DESTDIR}${etc}/voice-sidecar/config.yaml")
else()
  file(INSTALL "${VS_SOURCE_DIR}/config/voice_sidecar.example.yaml" DESTINATION "${etc}/voice-sidecar"
       RENAME config.yaml PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
