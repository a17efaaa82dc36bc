import SwiftUI

/// The Outpost reference app: one member's wallet on this iPhone, paying and being paid face to
/// face by QR code, offline, and syncing with the unit's ledger when there is a network.
@main
struct OutpostDemoApp: App {
    @StateObject private var host = WalletHost(
        walletFile: WalletFolder.appWalletFile,
        keys: SecureEnclaveDeviceKeys(),
        transports: .urlSession
    )
    @Environment(\.scenePhase) private var scenePhase
    private let settings = LedgerSettings(bundle: .main)

    var body: some Scene {
        WindowGroup {
            RootView(host: host, settings: settings)
        }
        .onChange(of: scenePhase) { phase in
            // An unlocked wallet left in the background is one lost phone away from being spent.
            if phase == .background {
                host.lock()
            }
        }
    }
}

/// Switches on the session: onboarding, unlock, or the wallet's tabs.
@MainActor
struct RootView: View {
    @ObservedObject var host: WalletHost
    let settings: LedgerSettings

    var body: some View {
        content
            .task {
                await host.start()
            }
    }

    @ViewBuilder
    private var content: some View {
        switch host.session {
        case .opening:
            ProgressView("Opening the wallet…")
        case .noWallet:
            OnboardingView(host: host, currency: settings.currency)
        case let .unopenable(message):
            UnopenableView(message: message)
        case let .locked(identity):
            UnlockView(host: host, identity: identity)
        case .unlocked:
            MainTabs(host: host, settings: settings)
        }
    }
}

/// The unlocked wallet.
@MainActor
struct MainTabs: View {
    let host: WalletHost
    let settings: LedgerSettings

    var body: some View {
        TabView {
            NavigationStack {
                HomeView(host: host, settings: settings)
            }
            .tabItem { Label("Home", systemImage: "house") }

            NavigationStack {
                RequestView(host: host)
            }
            .tabItem { Label("Request", systemImage: "qrcode") }

            NavigationStack {
                PayView(host: host)
            }
            .tabItem { Label("Pay", systemImage: "arrow.up.circle") }

            NavigationStack {
                ReceiveView(host: host)
            }
            .tabItem { Label("Receive", systemImage: "arrow.down.circle") }

            NavigationStack {
                HistoryView(host: host)
            }
            .tabItem { Label("History", systemImage: "list.bullet") }
        }
    }
}
