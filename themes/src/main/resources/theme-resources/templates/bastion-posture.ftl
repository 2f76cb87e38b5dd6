<#-- Bastion's read-only console page (GET /realms/{realm}/bastion/console): the posture report and the effective
     policy, or why neither is shown. Rendered by Keycloak's FreeMarker provider with HTML auto-escaping. -->
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title} · Keycloak Bastion</title>
  <link rel="stylesheet" href="${cssUrl}">
</head>
<body>
<div class="pf-v5-c-page">
  <header class="pf-v5-c-masthead" style="--pf-v5-c-masthead--BackgroundColor:#151515">
    <div class="pf-v5-c-masthead__main"><span class="pf-v5-c-masthead__brand" style="color:#fff;font-size:1.25rem">Keycloak Bastion</span></div>
  </header>
  <main class="pf-v5-c-page__main">
    <section class="pf-v5-c-page__main-section pf-m-light"><h1 class="pf-v5-c-title pf-m-2xl">${title}</h1></section>
    <section class="pf-v5-c-page__main-section pf-m-light">
<#if page == "sign-in">
      <p>Sign in to the <a href="${consoleUrl}">admin console of ${adminRealm}</a>, then open this page again.</p>
<#elseif page == "forbidden">
      <p>You may not view this realm's settings.</p>
<#else>
      <p class="pf-v5-c-content">${failing} failing, ${warning} to review, ${passing} passing. Policy changes: the
        <a href="${tabUrl}">bastion-policy tab</a> or <code>PUT /admin/realms/${realm}/bastion/policy</code>.</p>
      <table class="pf-v5-c-table pf-m-compact pf-m-grid-md" id="bastion-posture">
        <thead class="pf-v5-c-table__thead"><tr class="pf-v5-c-table__tr">
          <th class="pf-v5-c-table__th" scope="col">Check</th><th class="pf-v5-c-table__th" scope="col">Severity</th>
          <th class="pf-v5-c-table__th" scope="col">Status</th><th class="pf-v5-c-table__th" scope="col">Detail</th>
          <th class="pf-v5-c-table__th" scope="col">Remediation</th>
        </tr></thead>
        <tbody class="pf-v5-c-table__tbody">
  <#list checks as c>
          <tr class="pf-v5-c-table__tr" data-check="${c.id}">
            <td class="pf-v5-c-table__td"><code>${c.id}</code></td>
            <td class="pf-v5-c-table__td">${c.severity}</td>
            <td class="pf-v5-c-table__td"><span class="pf-v5-c-label ${c.color}"><span class="pf-v5-c-label__content">${c.status}</span></span></td>
            <td class="pf-v5-c-table__td">${c.detail}</td>
            <td class="pf-v5-c-table__td">${c.remediation}</td>
          </tr>
  </#list>
        </tbody>
      </table>
      <h2 class="pf-v5-c-title pf-m-lg" style="margin-top:2rem">Effective policy</h2>
      <table class="pf-v5-c-table pf-m-compact" id="bastion-policy">
        <thead class="pf-v5-c-table__thead"><tr class="pf-v5-c-table__tr">
          <th class="pf-v5-c-table__th" scope="col">Attribute</th><th class="pf-v5-c-table__th" scope="col">Value</th>
        </tr></thead>
        <tbody class="pf-v5-c-table__tbody">
  <#list policy as p>
          <tr class="pf-v5-c-table__tr">
            <td class="pf-v5-c-table__td"><code>${p.attribute}</code></td>
            <td class="pf-v5-c-table__td">${p.value}<#if p.invalid> <span class="pf-v5-c-label pf-m-red"><span class="pf-v5-c-label__content">invalid value: the strict side applies</span></span></#if></td>
          </tr>
  </#list>
        </tbody>
      </table>
</#if>
    </section>
  </main>
</div>
</body>
</html>
