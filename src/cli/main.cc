// Placeholder until the CLI lands: keeps the build green while the layers are written.
int main() { return 0; }
