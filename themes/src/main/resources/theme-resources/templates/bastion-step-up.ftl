<#-- Bastion's step-up page. Uses only the realm theme's template.ftl and its CSS class properties, so it fits any login theme. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section="header">
        ${msg("bastionStepUpTitle")}
    <#elseif section="form">
        <#if bastionFreshSeconds??>
        <#-- Still fresh: say how long, ask only for the reason (if any), and offer a new step-up. -->
        <p id="bastion-step-up-fresh">${msg("bastionStepUpFresh", bastionFreshSeconds, bastionFreshWritesSeconds)}</p>
        <form id="bastion-step-up-reason-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <input type="hidden" name="mode" value="reason" />
            <div class="${properties.kcFormGroupClass!}">
                <label for="reason" class="${properties.kcLabelClass!}">${msg("bastionStepUpReason")}</label>
                <input id="reason" name="reason" type="text" maxlength="200" autocomplete="off" autofocus
                       class="${properties.kcInputClass!}" />
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <input id="bastion-step-up-continue" type="submit" value="${msg("bastionStepUpContinue")}"
                       class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}" />
            </div>
        </form>
        <form id="bastion-step-up-again-form" action="${url.loginAction}" method="post">
            <input type="hidden" name="mode" value="again" />
            <input id="bastion-step-up-again" type="submit" value="${msg("bastionStepUpAgain")}"
                   class="${properties.kcButtonClass!} ${properties.kcButtonDefaultClass!} ${properties.kcButtonBlockClass!}" />
        </form>
        <#else>
        <p id="bastion-step-up-instruction">${msg("bastionStepUpInstruction", (bastionUsername!''))}</p>
        <form id="bastion-step-up-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post"
              onsubmit="document.getElementById('bastion-step-up-submit').disabled = true; return true;">
            <div class="${properties.kcFormGroupClass!}">
                <label for="password" class="${properties.kcLabelClass!}">${msg("bastionStepUpPassword")}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" autofocus
                       class="${properties.kcInputClass!}" />
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <label for="otp" class="${properties.kcLabelClass!}">${msg("bastionStepUpOtp")}</label>
                <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code"
                       class="${properties.kcInputClass!}" />
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <label for="reason" class="${properties.kcLabelClass!}">${msg("bastionStepUpReason")}</label>
                <input id="reason" name="reason" type="text" maxlength="200" autocomplete="off"
                       class="${properties.kcInputClass!}" />
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <input id="bastion-step-up-submit" type="submit" value="${msg("bastionStepUpSubmit")}"
                       class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}" />
            </div>
        </form>
        </#if>
    </#if>
</@layout.registrationLayout>
