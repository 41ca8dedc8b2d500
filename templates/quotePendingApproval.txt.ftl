<#-- Mail for quotePendingApproval. The first line is the subject; the rest is the plain-text body.
     Variables: docs/sinks.md, "Templates". Saved changes apply from the next mail on. -->
Subject: Approval needed: ${quote_name} (${quote_number}) for ${account_name}
Quote "${quote_name}" (${quote_number}) for ${account_name} is waiting for approval.

Net total:     ${net_total} ${currency}
Discount:      ${discount}%
Submitted by:  ${submitted_by}
<#if approvals?has_content>

Approvals so far:
<#list approvals as approval>
  Step ${approval.step}: ${approval.reviewer} - ${approval.status}<#if approval.reason?has_content> (${approval.reason})</#if>
</#list>
</#if>

Review the quote: ${quote_url}

--
Sent by dealhub-relay for DealHub event ${event_id}.
