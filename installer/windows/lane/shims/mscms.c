/* mscms.dll for pictures of the app's windows under Wine 8.0, whose mscms lacks
 * WcsCreateIccProfile: Qt's Windows platform plugin (qwindows.dll) imports it with three
 * other colour-profile calls and aborts when it is missing. Here no screen has a colour
 * profile, so Qt paints in sRGB. Only docs/screenshots/windows_installer.sh loads it (as the
 * native mscms, by WINEDLLOVERRIDES); the tests run Qt offscreen and never need it. */
#include <windows.h>

typedef HANDLE HPROFILE;

__declspec(dllexport) HPROFILE WINAPI OpenColorProfileW(void *profile, DWORD access,
                                                         DWORD sharing, DWORD creation)
{
    (void)profile; (void)access; (void)sharing; (void)creation;
    SetLastError(ERROR_NOT_SUPPORTED);
    return NULL;
}

__declspec(dllexport) BOOL WINAPI CloseColorProfile(HPROFILE profile)
{
    (void)profile;
    return TRUE;
}

__declspec(dllexport) BOOL WINAPI GetColorProfileFromHandle(HPROFILE profile, BYTE *buffer,
                                                            DWORD *size)
{
    (void)profile; (void)buffer;
    if (size != NULL)
        *size = 0;
    SetLastError(ERROR_NOT_SUPPORTED);
    return FALSE;
}

__declspec(dllexport) HPROFILE WINAPI WcsCreateIccProfile(HPROFILE profile, DWORD options)
{
    (void)profile; (void)options;
    SetLastError(ERROR_NOT_SUPPORTED);
    return NULL;
}
