//! blackstart hw-bridge: MQTT device bindings, live-twin runtime pieces, embedded broker and device emulator.
