/* icuuc.dll for Wine 8.0, which does not ship it (Windows 10 1903 and later do). Qt6Core.dll
 * imports ICU's converter functions from it for QStringConverter's extra codecs. Here no
 * converter is available: every opening call reports U_FILE_ACCESS_ERROR, so Qt keeps to the
 * codecs it has built in (UTF-8/16/32, Latin-1, the system code page), which is all the app
 * uses. The other entry points are never reached without an open converter. */
#include <stddef.h>
#include <stdint.h>

typedef int32_t UErrorCode;
typedef uint16_t UChar;
#define EXPORT __declspec(dllexport)
#define U_FILE_ACCESS_ERROR 4

static void fail(UErrorCode *status)
{
    if (status != NULL && *status <= 0)
        *status = U_FILE_ACCESS_ERROR;
}

EXPORT void *ucnv_open(const char *name, UErrorCode *status) { (void)name; fail(status); return NULL; }
EXPORT void ucnv_close(void *cnv) { (void)cnv; }
EXPORT void ucnv_reset(void *cnv) { (void)cnv; }
EXPORT int32_t ucnv_countAvailable(void) { return 0; }
EXPORT const char *ucnv_getAvailableName(int32_t n) { (void)n; return NULL; }
EXPORT const char *ucnv_getName(const void *cnv, UErrorCode *status) { (void)cnv; fail(status); return NULL; }
EXPORT const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *status)
{ (void)name; (void)standard; fail(status); return NULL; }
EXPORT int8_t ucnv_getMaxCharSize(const void *cnv) { (void)cnv; return 4; }
EXPORT int32_t ucnv_fromUCountPending(const void *cnv, UErrorCode *status) { (void)cnv; fail(status); return 0; }
EXPORT int32_t ucnv_toUCountPending(const void *cnv, UErrorCode *status) { (void)cnv; fail(status); return 0; }
EXPORT void ucnv_fromUnicode(void *cnv, char **target, const char *target_end, const UChar **source,
                             const UChar *source_end, int32_t *offsets, int8_t flush, UErrorCode *status)
{ (void)cnv; (void)target; (void)target_end; (void)source; (void)source_end; (void)offsets; (void)flush; fail(status); }
EXPORT void ucnv_toUnicode(void *cnv, UChar **target, const UChar *target_end, const char **source,
                           const char *source_end, int32_t *offsets, int8_t flush, UErrorCode *status)
{ (void)cnv; (void)target; (void)target_end; (void)source; (void)source_end; (void)offsets; (void)flush; fail(status); }
EXPORT void ucnv_getFromUCallBack(const void *cnv, void **action, const void **context)
{ (void)cnv; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ucnv_getToUCallBack(const void *cnv, void **action, const void **context)
{ (void)cnv; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ucnv_setFromUCallBack(void *cnv, void *action, const void *context, void **old_action,
                                  const void **old_context, UErrorCode *status)
{ (void)cnv; (void)action; (void)context; if (old_action) *old_action = NULL; if (old_context) *old_context = NULL; fail(status); }
EXPORT void ucnv_setToUCallBack(void *cnv, void *action, const void *context, void **old_action,
                                const void **old_context, UErrorCode *status)
{ (void)cnv; (void)action; (void)context; if (old_action) *old_action = NULL; if (old_context) *old_context = NULL; fail(status); }
EXPORT void ucnv_cbFromUWriteUChars(void *args, const UChar **source, const UChar *source_end,
                                    int32_t offset, UErrorCode *status)
{ (void)args; (void)source; (void)source_end; (void)offset; fail(status); }
EXPORT void ucnv_cbToUWriteUChars(void *args, const UChar *source, int32_t length, int32_t offset,
                                  UErrorCode *status)
{ (void)args; (void)source; (void)length; (void)offset; fail(status); }
EXPORT void UCNV_FROM_U_CALLBACK_SUBSTITUTE(const void *context, void *args, const UChar *units,
                                            int32_t length, int32_t code_point, int reason, UErrorCode *status)
{ (void)context; (void)args; (void)units; (void)length; (void)code_point; (void)reason; (void)status; }
EXPORT void UCNV_TO_U_CALLBACK_SUBSTITUTE(const void *context, void *args, const char *units,
                                          int32_t length, int reason, UErrorCode *status)
{ (void)context; (void)args; (void)units; (void)length; (void)reason; (void)status; }
