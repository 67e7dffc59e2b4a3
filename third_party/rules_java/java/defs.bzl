"""Forwards rules_java's rules to the native ones.

Bazel 4.2.3's @bazel_tools//tools/jdk loads this file while resolving the
registered toolchains of every build, even one without Java.
"""

def java_binary(**kwargs):
    native.java_binary(**kwargs)

def java_import(**kwargs):
    native.java_import(**kwargs)

def java_library(**kwargs):
    native.java_library(**kwargs)

def java_runtime(**kwargs):
    native.java_runtime(**kwargs)

def java_toolchain(**kwargs):
    native.java_toolchain(**kwargs)
