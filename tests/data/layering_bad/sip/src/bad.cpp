// Fixture for the layering check: sip/ must not depend on rtp/.
#include <rtpx/rtp/rtp_packet.hpp>
