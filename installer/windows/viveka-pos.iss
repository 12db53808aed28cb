; Inno Setup 6 script: the Windows installer of Viveka POS.
;
; Packs the PyInstaller bundle (dist\viveka-pos, from installer\viveka-pos.spec) into
; viveka-pos-VERSION-windows-x64-setup.exe. Built by build-windows.yml; by hand:
;
;   iscc /DAppVersion=0.1.0 /DBundleDir=C:\src\viveka\dist\viveka-pos ^
;        /DIconFile=C:\src\viveka\build\pyinstaller\viveka-pos\icons\viveka-pos.ico ^
;        /DOutputDir=C:\src\viveka\dist installer\windows\viveka-pos.iss
;
; Upgrades install in place: the AppId below never changes, so a newer setup finds the
; installed copy, closes the running app and replaces its files.
;
; The shop's data is not in the installation folder. The app keeps it per Windows user in
; %LOCALAPPDATA%\Viveka\VivekaPOS (the store, backups, logs, this PC's device id); this
; installer never writes there and the uninstaller never deletes it.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\viveka-pos"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

#define AppName "Viveka POS"
#define AppExe "VivekaPOS.exe"
#define ConsoleExe "viveka-pos.exe"

[Setup]
; Never change the AppId: it is how upgrades find the installed copy.
AppId={{07A2700F-6B9F-4026-ABB5-6049C5A1A5FD}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Viveka
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for all users when run as administrator; a user without admin rights can install
; for themselves instead (into their own Programs folder).
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=viveka-pos-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; The welcome page says where the shop's data is kept (Inno Setup 6 hides it by default).
DisableWelcomePage=no
#ifdef IconFile
SetupIconFile={#IconFile}
#endif
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
; Close a running Viveka POS before replacing its files (upgrade), do not restart it.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Messages]
; Said before anything is installed and again before anything is removed: the shop's data is
; not part of the program. (No "%" here: it is a format character in some messages.)
WelcomeLabel2=This will install [name/ver] on your computer.%n%nYour shop's data (bills, items, customers, backups) is kept apart from the program, in C:\Users\<your name>\AppData\Local\Viveka\VivekaPOS. Installing a newer version or uninstalling never deletes it.%n%nIt is recommended that you close all other applications before continuing.
ConfirmUninstall=Remove %1 from this computer?%n%nYour shop's data (bills, items, customers, backups) is kept: it stays in C:\Users\<your name>\AppData\Local\Viveka\VivekaPOS, ready for when you install %1 again.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the whole runtime folder, so no file of an older version lingers in it.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\Check {#AppName} installation"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#ConsoleExe}"" --self-test"; WorkingDir: "{app}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent() then
    MsgBox('{#AppName} was removed. The shop data was kept: each Windows user''s ' +
      'data stays in their %LOCALAPPDATA%\Viveka\VivekaPOS folder.' + #13#10 +
      'Install {#AppName} again to carry on with it.', mbInformation, MB_OK);
end;
