import Foundation
#if canImport(FoundationNetworking)
// On Linux, URLSession and URLRequest live in FoundationNetworking, not Foundation.
import FoundationNetworking
#endif
import OutpostWallet

/// The app's `SyncTransport`: URLSession, which knows the device's proxies and trust settings.
///
/// `exchange` is synchronous because the wallet's `sync` is a blocking call that runs on the
/// caller's (background) thread: the task runs on URLSession's own queue and this thread waits
/// on a semaphore. In an app, call `sync` off the main thread.
final class URLSessionTransport: SyncTransport, @unchecked Sendable {
    private let endpoint: URL
    private let session: URLSession
    private let timeout: TimeInterval

    init(ledger: URL, timeout: TimeInterval = 30) {
        endpoint = ledger.appendingPathComponent("v1/sync")
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: configuration)
    }

    func exchange(request: Data) throws -> Data {
        var post = URLRequest(url: endpoint)
        post.httpMethod = "POST"
        post.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        post.httpBody = request
        let answer = try HTTPCall.run(post, on: session, timeout: timeout + 5)
        guard let http = answer.response as? HTTPURLResponse else {
            throw SyncTransportError.Unreachable(reason: "the ledger's answer was not HTTP")
        }
        guard http.statusCode == 200 else {
            throw SyncTransportError.Refused(
                reason: HTTPCall.errorText(answer.data) ?? "HTTP \(http.statusCode)",
                status: UInt16(clamping: http.statusCode)
            )
        }
        return answer.data
    }
}

/// A transport that cannot reach anything, the way a phone without signal fails.
final class OfflineTransport: SyncTransport {
    struct NoNetwork: Error, CustomStringConvertible {
        var description: String { "no network: airplane mode" }
    }

    func exchange(request: Data) throws -> Data { throw NoNetwork() }
}

/// A transport whose ledger is down for maintenance.
final class RefusingTransport: SyncTransport {
    func exchange(request: Data) throws -> Data {
        throw SyncTransportError.Refused(reason: "the ledger is down for maintenance", status: 503)
    }
}

/// One blocking HTTP round trip on a URLSession, for callers that are not async (the wallet's
/// transport callback, the tests' ledger fixture).
enum HTTPCall {
    struct Answer {
        let data: Data
        let response: URLResponse
    }

    /// Filled on URLSession's queue, read after the semaphore: the semaphore orders the two.
    private final class Slot: @unchecked Sendable {
        var data: Data?
        var response: URLResponse?
        var error: Error?
    }

    static func run(_ request: URLRequest, on session: URLSession, timeout: TimeInterval) throws -> Answer {
        let slot = Slot()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            slot.data = data
            slot.response = response
            slot.error = error
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            throw SyncTransportError.Unreachable(reason: "no answer from \(request.url?.absoluteString ?? "the ledger") in \(Int(timeout)) s")
        }
        if let error = slot.error {
            throw SyncTransportError.Unreachable(reason: error.localizedDescription)
        }
        guard let response = slot.response else {
            throw SyncTransportError.Unreachable(reason: "the connection closed without an answer")
        }
        return Answer(data: slot.data ?? Data(), response: response)
    }

    /// The `error` text of the ledger's JSON error body, `{"error": "..."}`.
    static func errorText(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        return object["error"] as? String
    }
}
