import AVFoundation
import SwiftUI
import UIKit

/// A scanning step: what to scan, the camera once Outpost may use it (or how to allow it), and a
/// paste button for a code that arrived as text.
@MainActor
struct ScannerPanel: View {
    let prompt: String
    let onCode: (String) -> Void

    @State private var access = CameraAccess.current
    @Environment(\.openURL) private var openURL

    var body: some View {
        VStack(spacing: 16) {
            Text(prompt)
                .font(.headline)
                .multilineTextAlignment(.center)
            camera
                .aspectRatio(1, contentMode: .fit)
                .frame(maxWidth: .infinity)
                .clipShape(RoundedRectangle(cornerRadius: 16))
            PasteButton(payloadType: String.self) { texts in
                guard let text = texts.first else { return }
                // The pasted text may arrive off the main thread; the screens expect the main actor.
                Task { @MainActor in
                    onCode(text)
                }
            }
        }
    }

    @ViewBuilder
    private var camera: some View {
        switch access {
        case .allowed:
            QRScannerView(onCode: onCode)
        case .undecided:
            Color.black
                .overlay(ProgressView().tint(.white))
                .task {
                    access = await CameraAccess.request()
                }
        case .denied:
            VStack(spacing: 12) {
                Text("Scanning needs the camera. Outpost uses it only on the screens that scan a code.")
                    .multilineTextAlignment(.center)
                Button("Open settings") {
                    if let url = URL(string: UIApplication.openSettingsURLString) {
                        openURL(url)
                    }
                }
            }
            .padding()
            .frame(maxWidth: .infinity, maxHeight: .infinity)
            .background(Color(uiColor: .secondarySystemBackground))
        }
    }
}

/// Whether Outpost may use the camera.
enum CameraAccess {
    case allowed
    case undecided
    case denied

    static var current: CameraAccess {
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized:
            return .allowed
        case .notDetermined:
            return .undecided
        case .denied, .restricted:
            return .denied
        @unknown default:
            return .denied
        }
    }

    /// Asks once (the system shows NSCameraUsageDescription); later calls return the answer given.
    static func request() async -> CameraAccess {
        await AVCaptureDevice.requestAccess(for: .video) ? .allowed : .denied
    }
}
