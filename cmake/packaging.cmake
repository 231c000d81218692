# Documentation, shell completions and the Debian package; included at the end of the top-level
# CMakeLists.txt (which installs the executables to bin).
#
#   cmake --install build --prefix /tmp/af-install    # everything below, plus bin/
#   cd build && cpack -G DEB                          # asyncfetch_<version>_amd64.deb (needs dpkg-dev)
#   ctest --test-dir build -L docs                    # tests/docs_test.sh

include(GNUInstallDirs)

set(_asyncfetch_root "${CMAKE_CURRENT_LIST_DIR}/..")
cmake_path(NORMAL_PATH _asyncfetch_root)

# --- Man page --------------------------------------------------------------------------------------
# docs/asyncfetch.1 is the source (readable with `man -l`); the installed copy carries the project
# version in its .TH line and is gzip-compressed (-n: no name or time stamp, so it is reproducible),
# as Debian policy wants. Made at configure time, and made again when docs/asyncfetch.1 changes.
set(_asyncfetch_man_src "${_asyncfetch_root}/docs/asyncfetch.1")
set(_asyncfetch_man_dir "${CMAKE_CURRENT_BINARY_DIR}/man")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_asyncfetch_man_src}")
file(READ "${_asyncfetch_man_src}" _asyncfetch_man)
string(REGEX REPLACE "(\n\\.TH [^\n]*)\"asyncfetch [^\"\n]*\"" "\\1\"asyncfetch ${PROJECT_VERSION}\""
       _asyncfetch_man "${_asyncfetch_man}")
file(WRITE "${_asyncfetch_man_dir}/asyncfetch.1.new" "${_asyncfetch_man}")
file(COPY_FILE "${_asyncfetch_man_dir}/asyncfetch.1.new" "${_asyncfetch_man_dir}/asyncfetch.1" ONLY_IF_DIFFERENT)
file(REMOVE "${_asyncfetch_man_dir}/asyncfetch.1.new")

find_program(ASYNCFETCH_GZIP gzip DOC "gzip, to compress the installed man page")
mark_as_advanced(ASYNCFETCH_GZIP)
set(_asyncfetch_man_page "${_asyncfetch_man_dir}/asyncfetch.1")
if(ASYNCFETCH_GZIP)
    execute_process(COMMAND "${ASYNCFETCH_GZIP}" -9 -n -c "${_asyncfetch_man_dir}/asyncfetch.1"
                    OUTPUT_FILE "${_asyncfetch_man_dir}/asyncfetch.1.gz"
                    RESULT_VARIABLE _asyncfetch_gzip_status)
    if(_asyncfetch_gzip_status EQUAL 0)
        set(_asyncfetch_man_page "${_asyncfetch_man_dir}/asyncfetch.1.gz")
    else()
        message(WARNING "gzip failed (${_asyncfetch_gzip_status}); installing the man page uncompressed")
    endif()
endif()

install(FILES "${_asyncfetch_man_page}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

# --- Shell completions and documentation ------------------------------------------------------------
install(FILES "${_asyncfetch_root}/completions/asyncfetch.bash"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
        RENAME asyncfetch)
install(FILES "${_asyncfetch_root}/completions/_asyncfetch"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions")
install(FILES "${_asyncfetch_root}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# --- Debian package: cpack -G DEB ----------------------------------------------------------------
set(ASYNCFETCH_PACKAGE_MAINTAINER "asyncfetch developers <dev@asyncfetch.invalid>"
    CACHE STRING "Maintainer field of the Debian package (Name <email>)")

set(CPACK_PACKAGE_NAME asyncfetch)
set(CPACK_PACKAGE_VENDOR "asyncfetch developers")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${ASYNCFETCH_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "fetch many URLs concurrently and report status, size and time")
# The extended description of the control file, one line a line (dpkg does not wrap).
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
    "asyncfetch fetches many HTTP and HTTPS URLs at once and prints, for each"
    "URL, its status, body length and time (as tab-separated values, an aligned"
    "table or NDJSON), then a summary with latency percentiles."
    ""
    "All requests share one connection context: one event loop (C++20"
    "Boost.Asio coroutines and Boost.Beast), one TLS context, one DNS cache and"
    "one keep-alive connection pool. --sequential runs the same URLs one at a"
    "time as a baseline, and --compare runs both and reports the speedup."
    ""
    "Options follow curl's where curl has them: headers, methods, bodies,"
    "redirects, compression, retries with backoff, HTTP proxies, --resolve."
    "The package also ships asyncfetch-testbed, a small local HTTP(S) server"
    "for tests and demonstrations.")
set(CPACK_PACKAGE_CHECKSUM SHA256)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
if(NOT CPACK_GENERATOR)
    set(CPACK_GENERATOR DEB)
endif()

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ASYNCFETCH_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# asyncfetch_<version>_<arch>.deb (no Debian revision is set).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends is computed by dpkg-shlibdeps (package dpkg-dev) from the libraries the binaries link.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "jq, bash-completion")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

# A source package (cpack --config CPackSourceConfig.cmake) leaves out build trees and VCS data.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/\\\\.cache/" "~$")

include(CPack)

# --- Tests: the documentation keeps up with --help -----------------------------------------------------
if(ASYNCFETCH_BUILD_TESTS)
    set(_asyncfetch_docs_test "${_asyncfetch_root}/tests/docs_test.sh")
    add_test(NAME docs.options_documented
             COMMAND bash "${_asyncfetch_docs_test}" "$<TARGET_FILE:asyncfetch>" options)
    add_test(NAME docs.bash_completion_loads
             COMMAND bash "${_asyncfetch_docs_test}" "$<TARGET_FILE:asyncfetch>" bash)
    add_test(NAME docs.man_renders
             COMMAND bash "${_asyncfetch_docs_test}" "$<TARGET_FILE:asyncfetch>" groff)
    set_tests_properties(docs.options_documented docs.bash_completion_loads docs.man_renders
                         PROPERTIES LABELS docs TIMEOUT 60
                                    ENVIRONMENT "ASYNCFETCH_SOURCE_DIR=${_asyncfetch_root}")
    # Without groff the rendering check is reported as skipped, not passed.
    set_tests_properties(docs.man_renders PROPERTIES SKIP_RETURN_CODE 77)
endif()
