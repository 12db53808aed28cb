"""Backups as policy: when they are taken, where they go, how many are kept, how one is
checked, restored, and how the data is recovered when it cannot be opened.

The file level (what a backup folder holds, how it is copied, verified and put in place)
is the store's: :mod:`viveka_pos.store.backup_file`. Nothing here reads the store's tables.

- :mod:`.on_disk` — backups found in folders, and this PC's ``backup-status.json``;
- :mod:`.auto` — automatic backups (at start-up and every N bills) on a thread;
- :mod:`.retention` — how many automatic backups are kept;
- :mod:`.chain_check` — the hash chains (invoices, credit notes) of a copy, checked;
- :mod:`.manual` — a backup into a dated folder the owner chose;
- :mod:`.restore` — a restore over an open store, after a preview and its refusals;
- :mod:`.recovery` — the data cannot be opened: why, in words, and a backup put back.

The names below are the package's interface; import them from here.
"""

from .auto import DEFAULT_EVERY_BILLS, AutoBackup, BackupOutcome, make_backup
from .chain_check import ChainCheck, check_chains, verify_copy, write_result
from .manual import backup_now, latest_backup, list_backups
from .on_disk import (
    AUTO_PREFIX,
    VERIFIED_FILE,
    BackupEntry,
    BackupInfo,
    as_dict,
    backup_dir,
    default_backup_dir,
    find_backups,
    known_backup_dirs,
    last_failure,
    last_good_backup,
    newest_good,
    read_entry,
    read_status,
)
from .recovery import (
    DataDirRestore,
    OpenFailure,
    backup_read_only,
    candidates,
    copy_aside,
    explain,
    is_foreign,
    newest_restorable,
    restore_closed,
    restore_data_dir,
)
from .restore import BackupPreview, check_restorable, preview, restore
from .retention import KEEP_DAILY, KEEP_WEEKLY, plan_retention, prune

__all__ = [
    "AUTO_PREFIX",
    "DEFAULT_EVERY_BILLS",
    "KEEP_DAILY",
    "KEEP_WEEKLY",
    "VERIFIED_FILE",
    "AutoBackup",
    "BackupEntry",
    "BackupInfo",
    "BackupOutcome",
    "BackupPreview",
    "ChainCheck",
    "DataDirRestore",
    "OpenFailure",
    "as_dict",
    "backup_dir",
    "backup_now",
    "backup_read_only",
    "candidates",
    "check_chains",
    "check_restorable",
    "copy_aside",
    "default_backup_dir",
    "explain",
    "find_backups",
    "is_foreign",
    "known_backup_dirs",
    "last_failure",
    "last_good_backup",
    "latest_backup",
    "list_backups",
    "make_backup",
    "newest_good",
    "newest_restorable",
    "plan_retention",
    "preview",
    "prune",
    "read_entry",
    "read_status",
    "restore",
    "restore_closed",
    "restore_data_dir",
    "verify_copy",
    "write_result",
]
