# Enforces the dependency rules of ../shared/ARCHITECTURE.md on the source tree at RTPX_ROOT:
#  - no DPDK header (<rte_*.h>) in rtp/, sip/ or sched/;
#  - no include that points up the graph (rtp/ → dataplane|controlplane|sip, sip/ → rtp|dataplane|
#    controlplane, sched/ → dataplane|controlplane, dataplane/ → controlplane|sip).
# Run with: cmake -DRTPX_ROOT=<dir> -P CheckLayering.cmake ; exits non-zero and names every offence.
cmake_minimum_required(VERSION 3.25)
if(NOT RTPX_ROOT)
  message(FATAL_ERROR "CheckLayering: pass -DRTPX_ROOT=<source dir>")
endif()
get_filename_component(RTPX_ROOT "${RTPX_ROOT}" ABSOLUTE)

set(rules
  "rtp:dataplane" "rtp:controlplane" "rtp:sip"
  "sip:dataplane" "sip:controlplane" "sip:rtp"
  "sched:dataplane" "sched:controlplane"
  "dataplane:controlplane" "dataplane:sip")
set(no_dpdk rtp sip sched)

set(offences "")
foreach(dir rtp sip sched dataplane)
  if(NOT IS_DIRECTORY "${RTPX_ROOT}/${dir}")
    continue()
  endif()
  file(GLOB_RECURSE files "${RTPX_ROOT}/${dir}/*.hpp" "${RTPX_ROOT}/${dir}/*.cpp" "${RTPX_ROOT}/${dir}/*.h"
       "${RTPX_ROOT}/${dir}/*.cc" "${RTPX_ROOT}/${dir}/*.c")
  foreach(f ${files})
    file(STRINGS "${f}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    file(RELATIVE_PATH rel "${RTPX_ROOT}" "${f}")
    foreach(line ${includes})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]*)[>\"].*$" "\\1" inc "${line}")
      if(dir IN_LIST no_dpdk AND inc MATCHES "^rte_")
        list(APPEND offences "${rel}: includes DPDK header <${inc}> (only dataplane/ and perf/ may)")
      endif()
      foreach(rule ${rules})
        string(REPLACE ":" ";" pair "${rule}")
        list(GET pair 0 low)
        list(GET pair 1 high)
        if(dir STREQUAL low AND inc MATCHES "^(rtpx/)?${high}/")
          list(APPEND offences "${rel}: includes ${inc} (${low}/ may not depend on ${high}/)")
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()

if(offences)
  list(JOIN offences "\n  " text)
  message(FATAL_ERROR "layering check failed:\n  ${text}")
endif()
message(STATUS "layering check: ok")
