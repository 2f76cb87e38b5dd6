<#ftl output_format="HTML">
<html lang="${locale.language}">
<body style="font-family: sans-serif; line-height: 1.5;">
<p><#if outcome == "denied">${msg("bastionImpersonationDeniedIntro", accountName, realmName)}<#else>${msg("bastionImpersonationStartedIntro", accountName, realmName)}</#if></p>
<table style="border-collapse: collapse;">
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionImpersonationWho")}</strong></td><td>${adminUsername}</td></tr>
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionImpersonationWhen")}</strong></td><td>${at}</td></tr>
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionImpersonationReason")}</strong></td><td>${reason}</td></tr>
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionCredentialChangedFrom")}</strong></td><td>${ipAddress}</td></tr>
<#if outcome == "denied">
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionImpersonationError")}</strong></td><td>${error}</td></tr>
<#else>
  <tr><td style="padding-right: 1em;"><strong>${msg("bastionImpersonationUntil")}</strong></td><td>${expiresAt}</td></tr>
</#if>
</table>
<p>${msg("bastionImpersonationUnexpected")}</p>
</body>
</html>
