<#-- Mail for quoteWon. The first line is the subject; the rest is the plain-text body.
     Variables: docs/sinks.md, "Templates". Saved changes apply from the next mail on. -->
Subject: Quote won: ${account_name} - ${net_total} ${currency} (${quote_number})
Quote "${quote_name}" (${quote_number}) for ${account_name} is won.

Net total:     ${net_total} ${currency}
Discount:      ${discount}%
Submitted by:  ${submitted_by}
Won on:        ${execution_date} (GMT)

The quote: ${quote_url}

--
Sent by dealhub-relay for DealHub event ${event_id}.
