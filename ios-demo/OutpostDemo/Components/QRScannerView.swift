import AVFoundation
import SwiftUI
import UIKit

/// The camera, reading QR codes and nothing else. Use it through `ScannerPanel`, which asks for
/// camera permission first.
///
/// Each code is delivered once, when first seen: a code held in front of the camera is read many
/// times a second, and the screens must not get it many times. Another code is delivered when it
/// appears. The camera runs only while the view is on screen.
struct QRScannerView: UIViewControllerRepresentable {
    let onCode: (String) -> Void

    func makeUIViewController(context: Context) -> ScannerViewController {
        ScannerViewController(onCode: onCode)
    }

    func updateUIViewController(_ controller: ScannerViewController, context: Context) {
        controller.onCode = onCode
    }

    static func dismantleUIViewController(_ controller: ScannerViewController, coordinator: ()) {
        controller.stopCamera()
    }
}

/// Shows the camera's picture and hands on what `QRCamera` reads.
final class ScannerViewController: UIViewController {
    var onCode: (String) -> Void
    private let camera = QRCamera()
    private var lastCode: String?
    private lazy var preview = AVCaptureVideoPreviewLayer(session: camera.session)

    init(onCode: @escaping (String) -> Void) {
        self.onCode = onCode
        super.init(nibName: nil, bundle: nil)
    }

    required init?(coder: NSCoder) {
        return nil
    }

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .black
        preview.videoGravity = .resizeAspectFill
        view.layer.addSublayer(preview)
        camera.onCode = { [weak self] code in
            self?.deliver(code)
        }
        camera.configure { [weak self] problem in
            self?.show(problem)
        }
    }

    override func viewDidLayoutSubviews() {
        super.viewDidLayoutSubviews()
        preview.frame = view.bounds
    }

    override func viewWillAppear(_ animated: Bool) {
        super.viewWillAppear(animated)
        camera.start()
    }

    override func viewDidDisappear(_ animated: Bool) {
        super.viewDidDisappear(animated)
        camera.stop()
    }

    /// Called by SwiftUI when the view goes away; the camera is stopped on its own queue.
    nonisolated func stopCamera() {
        camera.stop()
    }

    private func deliver(_ code: String) {
        guard code != lastCode else { return }
        lastCode = code
        UINotificationFeedbackGenerator().notificationOccurred(.success)
        onCode(code)
    }

    /// Says why the camera cannot read codes (no camera, as on the Simulator; camera in use).
    private func show(_ problem: String) {
        let label = UILabel()
        label.text = problem
        label.textColor = .white
        label.textAlignment = .center
        label.numberOfLines = 0
        label.translatesAutoresizingMaskIntoConstraints = false
        view.addSubview(label)
        NSLayoutConstraint.activate([
            label.leadingAnchor.constraint(equalTo: view.leadingAnchor, constant: 16),
            label.trailingAnchor.constraint(equalTo: view.trailingAnchor, constant: -16),
            label.centerYAnchor.constraint(equalTo: view.centerYAnchor),
        ])
    }
}

/// The capture session: camera in, QR codes out. It is configured, started and stopped on its
/// own serial queue, because `startRunning` blocks until the camera is up, which must not happen
/// on the main thread; codes arrive on the main queue. `session` is touched only on `queue`,
/// except to attach the preview layer, which AVFoundation allows from the main thread.
final class QRCamera: NSObject, AVCaptureMetadataOutputObjectsDelegate, @unchecked Sendable {
    let session = AVCaptureSession()
    /// Called on the main actor with each code read. Set before `configure`.
    var onCode: (@MainActor (String) -> Void)?
    private let queue = DispatchQueue(label: "org.outpost.demo.camera")

    func configure(onFailure: @escaping @MainActor (String) -> Void) {
        queue.async {
            guard let problem = self.connect() else { return }
            Task { @MainActor in
                onFailure(problem)
            }
        }
    }

    func start() {
        queue.async {
            if !self.session.isRunning, !self.session.inputs.isEmpty {
                self.session.startRunning()
            }
        }
    }

    func stop() {
        queue.async {
            if self.session.isRunning {
                self.session.stopRunning()
            }
        }
    }

    /// Adds the back camera and a metadata output for `.qr`; returns what went wrong, if anything.
    private func connect() -> String? {
        guard let device = AVCaptureDevice.default(for: .video) else {
            return "The camera could not start: this device has no camera."
        }
        let input: AVCaptureDeviceInput
        do {
            input = try AVCaptureDeviceInput(device: device)
        } catch {
            return "The camera could not start: \(error.localizedDescription)"
        }
        let output = AVCaptureMetadataOutput()
        session.beginConfiguration()
        defer { session.commitConfiguration() }
        guard session.canAddInput(input), session.canAddOutput(output) else {
            return "The camera could not start: another app is using it."
        }
        session.addInput(input)
        session.addOutput(output)
        // Only once the output is in the session does it know which code types it can read.
        guard output.availableMetadataObjectTypes.contains(.qr) else {
            return "The camera could not start: it cannot read QR codes."
        }
        output.setMetadataObjectsDelegate(self, queue: .main)
        output.metadataObjectTypes = [.qr]
        return nil
    }

    func metadataOutput(
        _ output: AVCaptureMetadataOutput,
        didOutput metadataObjects: [AVMetadataObject],
        from connection: AVCaptureConnection
    ) {
        let codes = metadataObjects.compactMap { ($0 as? AVMetadataMachineReadableCodeObject)?.stringValue }
        guard let code = codes.first else { return }
        Task { @MainActor in
            self.onCode?(code)
        }
    }
}
