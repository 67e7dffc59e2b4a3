"""Generates C++ protobuf and gRPC code with Debian's protoc and grpc_cpp_plugin."""

def cc_grpc_library(name, srcs, deps = [], **kwargs):
    """A cc_library with the messages and services of `srcs`.

    Args:
      name: the library's name.
      srcs: .proto files, relative to this package; imports are resolved
        from the workspace root.
      deps: cc_library targets for imported protos.
      **kwargs: passed to cc_library (visibility, ...).
    """
    pkg = native.package_name()
    stems = [s[:-len(".proto")] for s in srcs]
    outs = []
    for stem in stems:
        outs += [stem + ext for ext in [".pb.h", ".pb.cc", ".grpc.pb.h", ".grpc.pb.cc"]]
    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = outs,
        cmd = " ".join([
            "protoc",
            "--proto_path=.",
            "--proto_path=/usr/include",
            "--cpp_out=$(GENDIR)",
            "--grpc_out=$(GENDIR)",
            "--plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)",
        ] + ["%s/%s" % (pkg, s) for s in srcs]),
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + [
            "//third_party/system:grpc",
            "//third_party/system:protobuf",
        ],
        **kwargs
    )
