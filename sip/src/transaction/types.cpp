#include "rtpx/sip/transaction/types.hpp"

namespace rtpx::sip {

std::string_view to_string(TxnKind k) noexcept {
    switch (k) {
        case TxnKind::kInviteClient: return "INVITE client";
        case TxnKind::kNonInviteClient: return "non-INVITE client";
        case TxnKind::kInviteServer: return "INVITE server";
        case TxnKind::kNonInviteServer: return "non-INVITE server";
    }
    return "?";
}

std::string_view to_string(TxnState s) noexcept {
    switch (s) {
        case TxnState::kCalling: return "Calling";
        case TxnState::kTrying: return "Trying";
        case TxnState::kProceeding: return "Proceeding";
        case TxnState::kCompleted: return "Completed";
        case TxnState::kConfirmed: return "Confirmed";
        case TxnState::kAccepted: return "Accepted";
        case TxnState::kTerminated: return "Terminated";
    }
    return "?";
}

std::string_view to_string(TimerName t) noexcept {
    switch (t) {
        case TimerName::kA: return "A";
        case TimerName::kB: return "B";
        case TimerName::kD: return "D";
        case TimerName::kE: return "E";
        case TimerName::kF: return "F";
        case TimerName::kG: return "G";
        case TimerName::kH: return "H";
        case TimerName::kI: return "I";
        case TimerName::kJ: return "J";
        case TimerName::kK: return "K";
        case TimerName::kL: return "L";
        case TimerName::kM: return "M";
        case TimerName::kTrying100: return "100";
    }
    return "?";
}

std::string_view to_string(TxnActionKind k) noexcept {
    switch (k) {
        case TxnActionKind::kSend: return "send";
        case TxnActionKind::kArmTimer: return "arm";
        case TxnActionKind::kCancelTimer: return "cancel";
        case TxnActionKind::kRequest: return "request";
        case TxnActionKind::kResponse: return "response";
        case TxnActionKind::kTimeout: return "timeout";
        case TxnActionKind::kTransportError: return "transport-error";
        case TxnActionKind::kTerminated: return "terminated";
        case TxnActionKind::kStrayResponse: return "stray-response";
        case TxnActionKind::kStrayAck: return "stray-ack";
    }
    return "?";
}

}  // namespace rtpx::sip
