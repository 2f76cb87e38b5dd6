<#ftl output_format="plainText">
${msg("bastionCredentialChangedIntro", accountName, realmName)}

${msg("bastionCredentialChangedWhat")}: ${msg(change)}
${msg("bastionCredentialChangedWhen")}: ${changedAt}
${msg("bastionCredentialChangedWho")}: ${adminUsername}
${msg("bastionCredentialChangedFrom")}: ${ipAddress}
${msg("bastionCredentialChangedSessions", sessionCount)}

${msg("bastionCredentialChangedUnexpected")}
