//! `uniffi-bindgen`, built from the same uniffi version as the library, so the generated code and
//! the scaffolding inside `liboutpost_ffi` always agree. Run it through `bindings/generate.sh`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
