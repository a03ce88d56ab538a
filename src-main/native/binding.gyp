# The native engine: one Node-API addon, its kernels compiled once per
# instruction set and chosen at run time (see ARCHITECTURE.md, "Native engine").
{
  "target_defaults": {
    "cflags_cc": ["-O3", "-std=c++17", "-fPIC", "-fvisibility=hidden", "-ffp-contract=fast", "-fno-math-errno"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-O2"],
    "cflags!": ["-O2"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=fast", "-fno-math-errno"],
      "MACOSX_DEPLOYMENT_TARGET": "11.0"
    },
    "msvs_settings": {"VCCLCompilerTool": {"ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/O2"]}}
  },
  "targets": [
    {
      "target_name": "dt_kernels_base",
      "type": "static_library",
      "sources": ["src/kernels.cc"],
      "defines": ["DT_NS=base"]
    },
    {
      "target_name": "dt_native",
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: a Node-API error raised while a worker is being terminated (a
      # cancelled import's parse worker, mid-parse) is dropped instead of aborting the process (row-store.test.ts).
      "sources": ["src/addon.cc", "src/net.cc", "src/gbdt.cc", "src/gbdt-explain.cc", "src/scale.cc", "src/csv.cc", "src/csv-addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "dependencies": ["dt_kernels_base"],
      "conditions": [
        ["target_arch=='x64'", {"dependencies": ["dt_kernels_avx2", "dt_kernels_avx512"]}]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "dt_kernels_avx2",
          "type": "static_library",
          "sources": ["src/kernels.cc"],
          "defines": ["DT_NS=avx2"],
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx2", "-mfma"]},
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/arch:AVX2"]}}
        },
        {
          "target_name": "dt_kernels_avx512",
          "type": "static_library",
          "sources": ["src/kernels.cc"],
          "defines": ["DT_NS=avx512"],
          "cflags_cc": ["-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx2", "-mfma"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx2", "-mfma"]},
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/arch:AVX512"]}}
        }
      ]
    }]
  ]
}
