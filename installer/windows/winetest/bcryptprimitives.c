/* Test-only stand-in for Windows' bcryptprimitives.dll, which Go 1.22+
 * programs load at start (ProcessPrng) and wine 8 (Debian 12) lacks. Windows
 * 10/11 have the real one; this is never shipped, only put into the wine
 * prefix by scripts/test-windows.sh. */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T n) {
	while (n > 0) {
		ULONG chunk = n > 0x10000000 ? 0x10000000 : (ULONG)n;
		if (!RtlGenRandom(data, chunk))
			return FALSE;
		data += chunk;
		n -= chunk;
	}
	return TRUE;
}
