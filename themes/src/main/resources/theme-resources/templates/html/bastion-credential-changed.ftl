<html lang="${locale.language}">
<body style="font-family: sans-serif; line-height: 1.5;">
<p>${msg("bastionCredentialChangedIntro", accountName, realmName)}</p>
<table style="border-collapse: collapse;">
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionCredentialChangedWhat")}</strong></td><td>${msg(change)}</td></tr>
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionCredentialChangedWhen")}</strong></td><td>${changedAt}</td></tr>
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionCredentialChangedWho")}</strong></td><td>${adminUsername}</td></tr>
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionCredentialChangedFrom")}</strong></td><td>${ipAddress}</td></tr>
</table>
<p>${msg("bastionCredentialChangedSessions", sessionCount)}</p>
<p>${msg("bastionCredentialChangedUnexpected")}</p>
</body>
</html>
