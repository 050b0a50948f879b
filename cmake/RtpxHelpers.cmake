include(GoogleTest)

# rtpx_add_test(NAME SOURCES... LIBS ...): one GoogleTest executable, registered with ctest.
function(rtpx_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} rtpx_warnings GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE RTPX_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)
endfunction()

# rtpx_add_benchmark(NAME SOURCES... LIBS ...): a Google Benchmark executable (never run by ctest).
function(rtpx_add_benchmark name)
  if(NOT RTPX_BUILD_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} rtpx_warnings benchmark::benchmark benchmark::benchmark_main)
endfunction()

# rtpx_add_fuzzer(NAME SOURCE LIBS ...): a libFuzzer target (LLVMFuzzerTestOneInput). With clang and
# RTPX_FUZZ it links -fsanitize=fuzzer; otherwise it links a replay main, and ctest replays the
# corpus in tests/fuzz/corpus/<NAME>/ (every file once) so each CI run exercises it.
function(rtpx_add_fuzzer name source)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} rtpx_warnings)
  if(RTPX_FUZZ)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_link_libraries(${name} PRIVATE rtpx_fuzz_replay_main)
  endif()
  set(corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  if(RTPX_BUILD_TESTS AND NOT RTPX_FUZZ AND EXISTS ${corpus})
    add_test(NAME ${name}.replay COMMAND ${name} ${corpus})
    set_tests_properties(${name}.replay PROPERTIES TIMEOUT 300)
  endif()
endfunction()
