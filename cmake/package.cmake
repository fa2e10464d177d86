# The installable liqdb: one library (libliqdb.so and libliqdb.a, PIC) built
# from the objects of the internal liqdb_storage, liqdb_query and
# liqdb_ingest libraries, the public headers, a CMake package config
# (find_package(liqdb) -> liqdb::liqdb, liqdb::liqdb_static) and liqdb.pc.
# The internal libraries stay what the tests, tools and extension link; this
# file only adds targets and install rules. The command and the extension are
# installed from tools/ and extension/. See README, "Using liqdb from C++".
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Compiled once: the combined libraries reuse the internal libraries' objects
# (already PIC, CMAKE_POSITION_INDEPENDENT_CODE).
set(LIQDB_PART_OBJECTS $<TARGET_OBJECTS:liqdb_storage> $<TARGET_OBJECTS:liqdb_query>
                       $<TARGET_OBJECTS:liqdb_ingest>)
# What the parts link privately. The public headers need only the standard
# library, so a consumer of the shared library links nothing else.
set(LIQDB_PART_DEPS RocksDB::rocksdb-shared Boost::iostreams simdjson::simdjson fmt::fmt)

add_library(liqdb SHARED ${LIQDB_PART_OBJECTS})
add_library(liqdb_static STATIC ${LIQDB_PART_OBJECTS})
add_library(liqdb::liqdb ALIAS liqdb)
add_library(liqdb::liqdb_static ALIAS liqdb_static)
set_target_properties(liqdb PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
                      LIBRARY_OUTPUT_DIRECTORY ${LIQDB_OUT}/lib EXPORT_NAME liqdb)
set_target_properties(liqdb_static PROPERTIES OUTPUT_NAME liqdb ARCHIVE_OUTPUT_DIRECTORY ${LIQDB_OUT}/lib
                      EXPORT_NAME liqdb_static)
foreach(t liqdb liqdb_static)
  target_include_directories(${t} INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${t} INTERFACE cxx_std_17)  # what the headers need (the consumer test builds them so)
endforeach()
target_link_libraries(liqdb PRIVATE ${LIQDB_PART_DEPS} ${XXHASH_LIBRARY} ${ISAL_LIBRARY})
# A static archive carries its dependencies to the consumer's link line; xxhash
# and ISA-L by name (they have no CMake package) so the exported target does
# not pin a path.
target_link_libraries(liqdb_static PRIVATE ${LIQDB_PART_DEPS} xxhash isal)

set(LIQDB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/liqdb)
install(TARGETS liqdb liqdb_static EXPORT liqdbTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/liqdb DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(EXPORT liqdbTargets NAMESPACE liqdb:: DESTINATION ${LIQDB_CMAKE_DIR})
# Where extension/ and tools/ install liqdb.so and the command.
set(LIQDB_EXTENSION_FILE ${LIQDB_EXTENSION_DIR}/liqdb.so)
set(LIQDB_EXECUTABLE_FILE ${CMAKE_INSTALL_BINDIR}/liqdb)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/liqdbConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/liqdbConfig.cmake INSTALL_DESTINATION ${LIQDB_CMAKE_DIR}
                              PATH_VARS LIQDB_EXTENSION_FILE LIQDB_EXECUTABLE_FILE)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/liqdbConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/liqdbConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/liqdbConfigVersion.cmake
        DESTINATION ${LIQDB_CMAKE_DIR})

# liqdb.pc finds its prefix from its own place (${pcfiledir}), so the file is
# right under whatever `cmake --install --prefix` chose.
file(RELATIVE_PATH LIQDB_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(${PROJECT_SOURCE_DIR}/cmake/liqdb.pc.in ${CMAKE_CURRENT_BINARY_DIR}/liqdb.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/liqdb.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
