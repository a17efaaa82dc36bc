import SwiftUI
import UIKit

/// Draws a QR code from its module matrix: black modules on white whatever the appearance, with
/// the 4-module quiet zone scanners need around it.
///
/// Every module is a whole number of device pixels and starts on a pixel boundary, and the modules
/// are filled without antialiasing: edges stay sharp at any size, as `.interpolation(.none)` keeps
/// a scaled-up bitmap sharp. While the code is on screen the display runs at full brightness,
/// which a camera reading another phone's screen needs; the level is put back afterwards.
struct QRCodeView: View {
    let picture: QrPicture
    @Environment(\.displayScale) private var displayScale

    var body: some View {
        Canvas(opaque: true) { context, size in
            draw(in: &context, size: size, scale: displayScale)
        }
        .aspectRatio(1, contentMode: .fit)
        .accessibilityElement()
        .accessibilityLabel("QR code")
        .modifier(FullBrightnessWhileVisible())
    }

    private func draw(in context: inout GraphicsContext, size: CGSize, scale: CGFloat) {
        context.fill(Path(CGRect(origin: .zero, size: size)), with: .color(.white))

        let quiet = QrPicture.quietZone
        let modulesAcross = CGFloat(picture.width + 2 * quiet)
        let pixelsPerModule = max(1, (min(size.width, size.height) * scale / modulesAcross).rounded(.down))
        let module = pixelsPerModule / scale
        let side = module * modulesAcross
        let originX = ((size.width - side) / 2 * scale).rounded(.down) / scale
        let originY = ((size.height - side) / 2 * scale).rounded(.down) / scale

        var dark = Path()
        for y in 0..<picture.width {
            for x in 0..<picture.width where picture.isDark(x: x, y: y) {
                dark.addRect(CGRect(
                    x: originX + CGFloat(x + quiet) * module,
                    y: originY + CGFloat(y + quiet) * module,
                    width: module,
                    height: module
                ))
            }
        }
        context.fill(dark, with: .color(.black), style: FillStyle(antialiased: false))
    }
}

/// Raises the screen to full brightness while the view is on screen and the app is active, and
/// puts the member's level back when it leaves or the app goes to the background. One code is on
/// screen at a time, so one saved level is enough.
@MainActor
private struct FullBrightnessWhileVisible: ViewModifier {
    /// The screen that was brightened and the level it had: restored to that screen even when the
    /// app is no longer the active scene.
    private struct Raised {
        let screen: UIScreen
        let level: CGFloat
    }

    @Environment(\.scenePhase) private var scenePhase
    @State private var raised: Raised?

    func body(content: Content) -> some View {
        content
            .onAppear { raise() }
            .onDisappear { restore() }
            .onChange(of: scenePhase) { phase in
                if phase == .active {
                    raise()
                } else {
                    restore()
                }
            }
    }

    private func raise() {
        guard raised == nil, let screen = activeScreen() else { return }
        raised = Raised(screen: screen, level: screen.brightness)
        screen.brightness = 1
    }

    private func restore() {
        guard let raised else { return }
        self.raised = nil
        raised.screen.brightness = raised.level
    }

    private func activeScreen() -> UIScreen? {
        UIApplication.shared.connectedScenes
            .compactMap { $0 as? UIWindowScene }
            .first { $0.activationState == .foregroundActive }?
            .screen
    }
}
