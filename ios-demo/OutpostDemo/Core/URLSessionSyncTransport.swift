import Foundation
#if canImport(FoundationNetworking)
// On Linux, URLSession and URLRequest live in FoundationNetworking, not Foundation.
import FoundationNetworking
#endif
import OutpostWallet

/// The app's `SyncTransport`: one POST of the wallet's signed sync request to `<ledger>/v1/sync`
/// through URLSession, which knows the phone's proxies, VPN and trust settings. The Swift library
/// has no HTTP client of its own (its built-in transport is left out of phone builds).
///
/// It only moves bytes; the wallet checks the ledger's signatures and proofs itself. The rules
/// are those of the JVM reference transport (bindings/kotlin/…/JdkSyncTransport.kt): a 200 answer
/// returns its body; any other status is `Refused` with the body's `error` text; no answer at all
/// (no network, refused connection, timeout, TLS failure) is `Unreachable`.
///
/// `exchange` is synchronous: the wallet calls it from inside `sync`, on WalletService's queue. It
/// starts a data task and waits on a semaphore, with a deadline of its own beyond URLSession's
/// timeouts. The body is collected by the session's delegate, which gives up past `maxAnswerBytes`
/// (the protocol's 512 KiB limit), so a misbehaving server cannot make the phone buffer without
/// end. A session delegate, not a per-task one (`task.delegate`): Foundation on Linux never calls
/// a per-task delegate, and there every sync timed out (found by scripts/test-swift.sh).
final class URLSessionSyncTransport: SyncTransport {
    static let maxAnswerBytes = 512 * 1_024

    private let endpoint: URL
    private let timeout: TimeInterval
    private let session: URLSession
    private let answers = Answers()

    init(ledger: URL, timeout: TimeInterval = 30) {
        endpoint = ledger.appendingPathComponent("v1/sync")
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        #if !canImport(FoundationNetworking)
        // Fail at once with no network rather than wait for one. (Read-only on Linux, whose
        // Foundation never waits.)
        configuration.waitsForConnectivity = false
        #endif
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        // The session keeps its delegate until `invalidateAndCancel` in deinit.
        session = URLSession(configuration: configuration, delegate: answers, delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    func exchange(request: Data) throws -> Data {
        var post = URLRequest(url: endpoint)
        post.httpMethod = "POST"
        post.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        post.httpBody = request

        let answer = BoundedAnswer(limit: Self.maxAnswerBytes)
        let task = session.dataTask(with: post)
        answers.track(task, into: answer)
        task.resume()
        guard answer.wait(seconds: timeout + 5) else {
            answers.forget(task)
            task.cancel()
            throw SyncTransportError.Unreachable(
                reason: "no answer from the ledger at \(endpoint.absoluteString) within \(Int(timeout)) s"
            )
        }
        return try answer.body(from: endpoint)
    }
}

/// The session's delegate: hands each data task's bytes and end to that task's `BoundedAnswer`.
/// URLSession calls it on its delegate queue; `lock` orders that with the threads in `exchange`.
private final class Answers: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var byTask: [Int: BoundedAnswer] = [:]

    /// Called before `resume`, so no byte arrives before its answer is known.
    func track(_ task: URLSessionTask, into answer: BoundedAnswer) {
        lock.withLock { byTask[task.taskIdentifier] = answer }
    }

    func forget(_ task: URLSessionTask) {
        _ = lock.withLock { byTask.removeValue(forKey: task.taskIdentifier) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let answer = lock.withLock { byTask[dataTask.taskIdentifier] }
        if answer?.add(data) == true {
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let answer = lock.withLock { byTask.removeValue(forKey: task.taskIdentifier) }
        answer?.completed(response: task.response, error: error)
    }
}

/// One data task's answer, collected up to a size limit; wakes the waiting thread when the task
/// ends. `lock` orders the delegate queue's calls with the waiting thread.
private final class BoundedAnswer: @unchecked Sendable {
    private let limit: Int
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var received = Data()
    private var tooLarge = false
    private var failure: Error?
    private var response: URLResponse?

    init(limit: Int) {
        self.limit = limit
    }

    /// False when the task has not ended within `seconds`.
    func wait(seconds: TimeInterval) -> Bool {
        finished.wait(timeout: .now() + seconds) == .success
    }

    /// Adds a piece of the body; true when the answer is now over the limit and the task must be
    /// cancelled.
    func add(_ data: Data) -> Bool {
        lock.withLock { () -> Bool in
            guard !tooLarge else { return true }
            received.append(data)
            guard received.count > limit else { return false }
            tooLarge = true
            received = Data()
            return true
        }
    }

    func completed(response: URLResponse?, error: Error?) {
        lock.withLock {
            failure = error
            self.response = response
        }
        finished.signal()
    }

    /// The body of a 200 answer, or the transport error the wallet expects.
    func body(from endpoint: URL) throws -> Data {
        try lock.withLock {
            if tooLarge {
                throw SyncTransportError.Unreachable(
                    reason: "the ledger's answer is over \(limit / 1_024) KiB; it was not read"
                )
            }
            if let failure {
                throw SyncTransportError.Unreachable(
                    reason: "cannot reach the ledger at \(endpoint.absoluteString): \(failure.localizedDescription)"
                )
            }
            guard let http = response as? HTTPURLResponse else {
                throw SyncTransportError.Unreachable(reason: "the ledger's answer was not HTTP")
            }
            guard http.statusCode == 200 else {
                throw SyncTransportError.Refused(
                    reason: Self.errorText(received, status: http.statusCode),
                    status: UInt16(clamping: http.statusCode)
                )
            }
            return received
        }
    }

    /// The ledger's JSON error text (`{"error": "…"}`), else the body as text (500 characters at
    /// most), else the status.
    private static func errorText(_ body: Data, status: Int) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
           let text = object["error"] as? String {
            return text
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "HTTP \(status)" : String(text.prefix(500))
    }
}
