import Foundation
import OutpostWallet

/// The screen a scanned code opens, with the code (trimmed) it should be given.
enum ScanRoute: Equatable {
    /// A payment request: the pay screen shows who asks and how much before anything is paid.
    case payRequest(String)
    /// A transfer someone shows this wallet: the receive screen takes it in and shows the receipt.
    case receive(String)
    /// The receiver's receipt for a transfer this wallet sent.
    case confirmReceipt(String)
    /// A member's enrolment code, which is also their identity card: save them as a contact.
    case addContact(String)
    /// Not something to act on; the message says why.
    case rejected(UserMessage)
}

/// The scanners' dispatcher: whatever the camera read, it says which screen takes it, or why none
/// does. It reads only the code's kind (a quick check with no wallet); the screen that takes the
/// code checks the rest.
enum ScanRouter {
    /// Longer than any Outpost code (the largest is about 600 characters): refused unread.
    static let maxLength = 4_096

    static func route(_ text: String) -> ScanRoute {
        let code = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // UTF-16 units, as the Android app counts them.
        guard code.utf16.count <= maxLength else {
            return .rejected(.problem("This code is far too long to be an Outpost code."))
        }
        let kind: QrKind
        do {
            kind = try qrKind(text: code)
        } catch {
            return .rejected(UserMessage.of(error))
        }
        switch kind {
        case .paymentRequest:
            return .payRequest(code)
        case .transfer:
            return .receive(code)
        case .receipt:
            return .confirmReceipt(code)
        case .enrolment:
            return .addContact(code)
        case .purseCertificate:
            return .rejected(.problem("This is a purse certificate: the wallet receives those from the ledger, not by scanning."))
        }
    }

    /// The kind of code a scanning step waits for, as its message names it.
    enum Wanted: String {
        case request = "the payee's request"
        case transfer = "the payment the payer shows"
        case receipt = "the receipt on the payee's phone"
    }

    /// What to say when a scan found `route` where a step waits for `wanted`: what the code was,
    /// and what to scan there instead. A rejected code says why it was rejected.
    static func wrongCode(_ route: ScanRoute, wanted: Wanted) -> UserMessage {
        let was: String
        switch route {
        case let .rejected(message):
            return message
        case .payRequest:
            was = "That code is a payment request."
        case .receive:
            was = "That code is a payment being handed over."
        case .confirmReceipt:
            was = "That code is a receipt."
        case .addContact:
            was = "That code is a member's enrolment code."
        }
        return .problem("\(was) Scan \(wanted.rawValue) here.")
    }
}
