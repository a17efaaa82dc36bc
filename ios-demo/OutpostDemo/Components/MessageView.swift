import SwiftUI

/// A screen's message, coloured by how serious it is.
@MainActor
struct MessageView: View {
    let message: UserMessage?

    var body: some View {
        if let message {
            Label(message.text, systemImage: Self.symbol(message.kind))
                .font(.callout)
                .foregroundStyle(Self.colour(message.kind))
                .fixedSize(horizontal: false, vertical: true)
                .accessibilityElement(children: .combine)
        }
    }

    private static func symbol(_ kind: UserMessage.Kind) -> String {
        switch kind {
        case .info: return "info.circle"
        case .problem: return "exclamationmark.circle"
        case .danger: return "exclamationmark.octagon.fill"
        }
    }

    private static func colour(_ kind: UserMessage.Kind) -> Color {
        switch kind {
        case .info: return .secondary
        case .problem: return .orange
        case .danger: return .red
        }
    }
}

/// A transfer status, coloured by its tone.
@MainActor
struct StatusText: View {
    let label: StatusLabel

    var body: some View {
        Text(label.text)
            .font(.caption)
            .foregroundStyle(Self.colour(label.tone))
    }

    private static func colour(_ tone: StatusLabel.Tone) -> Color {
        switch tone {
        case .waiting: return .orange
        case .done: return .green
        case .returned: return .blue
        case .problem: return .red
        }
    }
}
