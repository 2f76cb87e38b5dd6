<#ftl output_format="plainText">
<#if outcome == "denied">${msg("bastionImpersonationDeniedIntro", accountName, realmName)}<#else>${msg("bastionImpersonationStartedIntro", accountName, realmName)}</#if>

${msg("bastionImpersonationWho")}: ${adminUsername}
${msg("bastionImpersonationWhen")}: ${at}
${msg("bastionImpersonationReason")}: ${reason}
${msg("bastionCredentialChangedFrom")}: ${ipAddress}
<#if outcome == "denied">${msg("bastionImpersonationError")}: ${error}<#else>${msg("bastionImpersonationUntil")}: ${expiresAt}</#if>

${msg("bastionImpersonationUnexpected")}
