#include <cstdio>
int main() { std::puts("voice-sidecar: not built yet"); return 0; }
