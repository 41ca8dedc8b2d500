<#-- Mail for quoteRejected. The first line is the subject; the rest is the plain-text body.
     Variables: docs/sinks.md, "Templates". Saved changes apply from the next mail on. -->
Subject: Quote rejected: ${quote_name} (${quote_number}) for ${account_name}
Quote "${quote_name}" (${quote_number}) for ${account_name} was rejected.

Net total:     ${net_total} ${currency}
Discount:      ${discount}%
Submitted by:  ${submitted_by}
<#list approvals?filter(a -> a.status == "rejected") as approval>
Rejected by:   ${approval.reviewer}<#if approval.reviewer_comment?has_content>: "${approval.reviewer_comment}"</#if>
</#list>

Open the quote to revise it: ${quote_url}

--
Sent by dealhub-relay for DealHub event ${event_id}.
