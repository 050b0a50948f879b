# Every external dependency, found once. pkg-config where the package ships a .pc file; IPsec-MB by
# header and library (it ships none); CMake packages for the header-only libraries.
find_package(PkgConfig REQUIRED)

pkg_check_modules(SRTP2 REQUIRED IMPORTED_TARGET libsrtp2)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)
pkg_check_modules(SPDLOG REQUIRED IMPORTED_TARGET spdlog)
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
if(RTPX_BUILD_DATAPLANE)
  pkg_check_modules(DPDK REQUIRED IMPORTED_TARGET libdpdk)
endif()

find_path(IPSECMB_INCLUDE_DIR intel-ipsec-mb.h REQUIRED)
find_library(IPSECMB_LIBRARY IPSec_MB REQUIRED)
if(NOT TARGET IPSecMB::IPSecMB)
  add_library(IPSecMB::IPSecMB UNKNOWN IMPORTED)
  set_target_properties(IPSecMB::IPSecMB PROPERTIES
    IMPORTED_LOCATION ${IPSECMB_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${IPSECMB_INCLUDE_DIR})
endif()

find_package(tl-expected REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
if(RTPX_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(RTPX_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
