<#-- A chat message for an http sink: Slack, Mattermost and Microsoft Teams incoming webhooks take {"text": "..."}.
     This is JSON: pass every value through ?json_string. Variables: docs/sinks.md, "Templates". -->
{"text": "${event_type?json_string}: ${quote_name?json_string} (${quote_number?json_string}) for ${account_name?json_string}, net ${net_total?json_string} ${currency?json_string}, submitted by ${submitted_by?json_string}. ${quote_url?json_string}"}
