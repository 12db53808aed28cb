/* bcryptprimitives.dll for Wine 8.0, which lacks ProcessPrng (Windows 10+ has it; Rust
 * binaries built with Rust 1.78 or later, such as bcrypt's, import it for random bytes).
 * Forwards to RtlGenRandom (advapi32!SystemFunction036), which Wine has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG part = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (!SystemFunction036(data, part))
            return FALSE;
        data += part;
        size -= part;
    }
    return TRUE;
}
