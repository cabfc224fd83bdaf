; LabelLoop installer for Windows (NSIS 3). Built by scripts/package-windows.sh:
;   makensis -DVERSION=x.y.z -DSTAGE=<folder with the files> -DOUT=<installer.exe> labelloop.nsi
Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin

!include "MUI2.nsh"

Name "LabelLoop"
OutFile "${OUT}"
InstallDir "$PROGRAMFILES64\LabelLoop"
InstallDirRegKey HKLM "Software\LabelLoop" "InstallDir"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "LabelLoop"
VIAddVersionKey "FileDescription" "LabelLoop installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "LabelLoop developers"

!define MUI_ICON "${STAGE}\labelloop.ico"
!define MUI_UNICON "${STAGE}\labelloop.ico"
!define MUI_FINISHPAGE_RUN "$INSTDIR\LabelLoop.exe"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

!define UNINST "Software\Microsoft\Windows\CurrentVersion\Uninstall\LabelLoop"

Section "LabelLoop" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; the app (GUI), the same commands for a console, ONNX Runtime with
  ; DirectML (GPU inference on any DirectX 12 card)
  File "${STAGE}\LabelLoop.exe"
  File "${STAGE}\labelloop-cli.exe"
  File "${STAGE}\onnxruntime.dll"
  File "${STAGE}\DirectML.dll"
  File "${STAGE}\labelloop.ico"
  File "${STAGE}\README.txt"
  WriteUninstaller "$INSTDIR\Uninstall.exe"
  CreateDirectory "$SMPROGRAMS\LabelLoop"
  CreateShortcut "$SMPROGRAMS\LabelLoop\LabelLoop.lnk" "$INSTDIR\LabelLoop.exe" "" "$INSTDIR\labelloop.ico"
  CreateShortcut "$SMPROGRAMS\LabelLoop\Uninstall LabelLoop.lnk" "$INSTDIR\Uninstall.exe"
  WriteRegStr HKLM "Software\LabelLoop" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINST}" "DisplayName" "LabelLoop"
  WriteRegStr HKLM "${UNINST}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST}" "Publisher" "LabelLoop developers"
  WriteRegStr HKLM "${UNINST}" "DisplayIcon" "$INSTDIR\labelloop.ico"
  WriteRegStr HKLM "${UNINST}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKLM "${UNINST}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  Delete "$INSTDIR\LabelLoop.exe"
  Delete "$INSTDIR\labelloop-cli.exe"
  Delete "$INSTDIR\onnxruntime.dll"
  Delete "$INSTDIR\DirectML.dll"
  Delete "$INSTDIR\labelloop.ico"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\LabelLoop\LabelLoop.lnk"
  Delete "$SMPROGRAMS\LabelLoop\Uninstall LabelLoop.lnk"
  RMDir "$SMPROGRAMS\LabelLoop"
  DeleteRegKey HKLM "${UNINST}"
  DeleteRegKey HKLM "Software\LabelLoop"
SectionEnd
