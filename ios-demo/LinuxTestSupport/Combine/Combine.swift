// A stand-in for the few pieces of Apple's Combine that OutpostDemo/Core uses, so the core and its
// tests build and run on Linux, which has no Combine. ios-demo/Package.swift adds this module,
// named Combine, only on Linux; the app itself (Xcode, project.yml) never sees it.
//
// What it keeps of Combine, because the screen models rely on it:
// - `@Published` publishes the new value *before* the property changes (Combine's `willSet`), and
//   a new subscriber gets the current value at once (hence the models' `dropFirst()`);
// - `PassthroughSubject` delivers each value to the subscribers of that moment;
// - `AnyCancellable` ends its subscription when cancelled or released.
// What it leaves out: `ObservableObject.objectWillChange`, which only SwiftUI reads (nothing in
// Core or the tests does), schedulers, failures and back pressure. Values are delivered
// synchronously on the sending thread, as Combine does without `receive(on:)`.
import Foundation

public protocol ObservableObject: AnyObject {}

/// A cancellation token; the subscription lasts as long as it does.
public final class AnyCancellable: Hashable {
    private var onCancel: (() -> Void)?

    public init(_ cancel: @escaping () -> Void) {
        onCancel = cancel
    }

    deinit {
        cancel()
    }

    public func cancel() {
        let cancel = onCancel
        onCancel = nil
        cancel?()
    }

    public func store(in set: inout Set<AnyCancellable>) {
        set.insert(self)
    }

    public static func == (lhs: AnyCancellable, rhs: AnyCancellable) -> Bool {
        lhs === rhs
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }
}

/// The subscribers of one source, under a lock.
final class Subscribers<Output> {
    private let lock = NSLock()
    private var next = 0
    private var receivers: [Int: (Output) -> Void] = [:]

    func add(_ receive: @escaping (Output) -> Void) -> AnyCancellable {
        lock.lock()
        let id = next
        next += 1
        receivers[id] = receive
        lock.unlock()
        return AnyCancellable { [weak self] in
            guard let self else { return }
            self.lock.lock()
            self.receivers[id] = nil
            self.lock.unlock()
        }
    }

    func send(_ value: Output) {
        lock.lock()
        let current = receivers.sorted { $0.key < $1.key }.map(\.value)
        lock.unlock()
        for receive in current {
            receive(value)
        }
    }
}

/// Something that can be subscribed to: the part of Combine's `Publisher` the core uses.
public struct AnyPublisher<Output, Failure: Error> {
    fileprivate let subscribe: (@escaping (Output) -> Void) -> AnyCancellable

    public func sink(receiveValue: @escaping (Output) -> Void) -> AnyCancellable {
        subscribe(receiveValue)
    }

    public func dropFirst(_ count: Int = 1) -> AnyPublisher<Output, Failure> {
        let upstream = subscribe
        return AnyPublisher { receive in
            var dropped = 0
            let lock = NSLock()
            return upstream { value in
                lock.lock()
                let drop = dropped < count
                if drop { dropped += 1 }
                lock.unlock()
                if !drop { receive(value) }
            }
        }
    }
}

public final class PassthroughSubject<Output, Failure: Error> {
    private let subscribers = Subscribers<Output>()

    public init() {}

    public func send(_ value: Output) {
        subscribers.send(value)
    }

    public func sink(receiveValue: @escaping (Output) -> Void) -> AnyCancellable {
        subscribers.add(receiveValue)
    }
}

extension PassthroughSubject where Output == Void {
    public func send() {
        send(())
    }
}

@propertyWrapper
public struct Published<Value> {
    private final class Storage {
        let lock = NSLock()
        var value: Value
        let subscribers = Subscribers<Value>()

        init(_ value: Value) {
            self.value = value
        }

        var current: Value {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
    }

    private let storage: Storage

    public init(wrappedValue: Value) {
        storage = Storage(wrappedValue)
    }

    public var wrappedValue: Value {
        get { storage.current }
        nonmutating set {
            storage.subscribers.send(newValue) // before the change, as Combine's willSet
            storage.lock.lock()
            storage.value = newValue
            storage.lock.unlock()
        }
    }

    /// `$property`: the current value at once, then every new one before it is set.
    public var projectedValue: AnyPublisher<Value, Never> {
        let storage = storage
        return AnyPublisher { receive in
            receive(storage.current)
            return storage.subscribers.add(receive)
        }
    }
}
