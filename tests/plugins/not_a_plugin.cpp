// A shared library that is not an attune plugin: loading it must fail clearly.
extern "C" int some_unrelated_function() {
  return 42;
}
