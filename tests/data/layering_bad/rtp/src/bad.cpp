// Fixture for the layering check: rtp/ must not include DPDK nor point up the graph.
#include <rte_mbuf.h>
#include "rtpx/dataplane/flow_table.hpp"
