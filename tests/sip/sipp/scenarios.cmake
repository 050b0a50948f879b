# Scenario tests of the whole sip/ stack (issue 4): tests/sip/sipp/sip_test_ua against sipp on
# loopback (role uas: sipp runs scenarios/uas_<name>.xml as the UAC; role uac: sipp runs
# scenarios/uac_<name>.xml as the UAS), or against itself (role pair: for what sipp 3.6 cannot do,
# e.g. SHA-256 digest). ctest name: sip.sipp.<name>.<role>_<proto>_<family>, the role being the
# stack's (pair: sip.ua.<name>.<proto>_<family>).
# Each row: role|name|proto|family|calls|extra sip_test_ua arguments (space-separated).
set(sip_ua_runs
  "uas|basic|udp|ipv4|2|" "uas|basic|tcp|ipv4|2|" "uas|basic|udp|ipv6|2|" "uas|basic|tcp|ipv6|2|"
  "uas|cancel|udp|ipv4|2|" "uas|cancel|tcp|ipv4|2|"
  "uas|prack|udp|ipv4|2|" "uas|prack|tcp|ipv4|2|" "uas|prack|udp|ipv6|1|"
  "uas|reinvite|udp|ipv4|2|" "uas|reinvite|tcp|ipv4|2|" "uas|reinvite|tcp|ipv6|1|"
  "uas|auth|udp|ipv4|2|--auth www --algorithms md5" "uas|auth|tcp|ipv4|2|--auth proxy --algorithms md5"
  "uas|glare|udp|ipv4|1|" "uas|glare|tcp|ipv4|1|"
  # sipp aborts a TCP call on a retransmitted 2xx (it expects none on a reliable transport, while
  # RFC 3261 13.3.1.4 has the UAS core retransmit on every transport): UDP only.
  "uas|received|udp|ipv6|1|" "uas|received|tcp|ipv6|1|"
  "uas|2xx_retrans|udp|ipv4|1|--t1 100" "uas|2xx_retrans|udp|ipv6|1|--t1 100"
  "uas|ack_timeout|udp|ipv4|1|--t1 50"
  "uas|session_timer|udp|ipv4|1|--time-scale 30" "uas|session_timer|tcp|ipv4|1|--time-scale 30"
  "uac|basic|udp|ipv4|2|" "uac|basic|tcp|ipv4|2|" "uac|basic|udp|ipv6|2|" "uac|basic|tcp|ipv6|2|"
  "uac|cancel|udp|ipv4|2|" "uac|cancel|tcp|ipv4|2|"
  "uac|prack|udp|ipv4|2|" "uac|prack|tcp|ipv4|2|"
  "uac|reinvite|udp|ipv4|2|" "uac|reinvite|tcp|ipv4|2|" "uac|reinvite|udp|ipv6|1|"
  "uac|auth|udp|ipv4|2|" "uac|auth|tcp|ipv4|2|" "uac|auth_proxy|udp|ipv4|2|" "uac|auth_proxy|tcp|ipv6|1|"
  "uac|glare|udp|ipv4|1|" "uac|glare|tcp|ipv4|1|"
  "pair|auth|udp|ipv4|2|--auth www --algorithms sha256" "pair|auth|tcp|ipv6|2|--auth proxy --algorithms sha256,md5"
  "pair|basic|tcp|ipv6|2|" "pair|glare|udp|ipv6|1|")
foreach(run IN LISTS sip_ua_runs)
  string(REPLACE "|" ";" fields "${run}")
  list(GET fields 0 role)
  list(GET fields 1 name)
  list(GET fields 2 proto)
  list(GET fields 3 family)
  list(GET fields 4 calls)
  list(GET fields 5 extra)
  separate_arguments(extra)
  set(test_name sip.sipp.${name}.${role}_${proto}_${family})
  if(role STREQUAL "pair")
    set(test_name sip.ua.${name}.${proto}_${family})
  endif()
  if(extra MATCHES "sha256")
    string(APPEND test_name "_sha256")
  endif()
  add_test(NAME ${test_name}
           COMMAND bash ${sipp_dir}/run_ua_sipp.sh $<TARGET_FILE:sip_test_ua> ${sipp_dir}/scenarios
                   ${role} ${name} ${proto} ${family} ${calls} ${extra})
  set_tests_properties(${test_name} PROPERTIES TIMEOUT 60 SKIP_RETURN_CODE 77)
endforeach()
