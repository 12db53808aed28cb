"""Work-arounds for Wine 8.0, loaded only by the lane's test interpreter (never bundled).

* kernel32!CopyFile2 is a stub that aborts the process, and Python 3.12's shutil.copyfile
  and copy2 call it when ``_winapi`` has it: without it they copy the bytes themselves.
* the ``_wmi`` module (used by ``platform.win32_ver`` and friends) calls
  propsys!VariantToString, which Wine lacks: blocking its import makes ``platform`` fall back
  to the registry and ``ver``, as it does on Windows versions without WMI. The file stays in
  the interpreter, so PyInstaller still puts it in the bundle shops receive.
"""

import _winapi
import sys

if hasattr(_winapi, "CopyFile2"):
    del _winapi.CopyFile2
sys.modules["_wmi"] = None  # `import _wmi` raises ImportError
