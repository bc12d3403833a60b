package vonage

import "testing"

// signatureVectors are the expected signatures from Vonage's PHP SDK tests
// (test/Client/SignatureTest.php), so this implementation is checked
// against Vonage's rather than against itself.
var signatureVectors = []struct {
	method, secret, want string
	params               map[string]string
}{
	{SignatureMD5Hash, "my_secret_key_for_testing", "d2e7b1dc968737c5998ad624e02f90b7", inboundSMS},
	{SignatureMD5, "my_secret_key_for_testing", "DDEBD46008C2D4E93CCE578A332A52D5", inboundSMS},
	{SignatureSHA1, "my_secret_key_for_testing", "27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A", inboundSMS},
	{SignatureSHA256, "my_secret_key_for_testing", "DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330", inboundSMS},
	{SignatureSHA512, "my_secret_key_for_testing",
		"E0D3C650F8C9D1A5C174D10DDDBFB003E561F59B265616208B0487C5D819481CD3C311D59CF6165ECD1139622D5BA3A256C0D763AC4A9AD9144B5A426B94FE82", inboundSMS},
	// "&" and "=" in values become "_"; sig itself is left out.
	{SignatureMD5Hash, "my_secret_key_for_testing", "e06d9763e3fd0b9c31beb5fc2fcb011c", map[string]string{
		"keyword": "TEST", "message-timestamp": "2017-04-04 22:57:47", "messageId": "0B00000042AC53BD",
		"msisdn": "14843472194", "nonce": "929d6744-bd28-42c8-b6cf-31d5b4f43732", "sig": "e06d9763e3fd0b9c31beb5fc2fcb011c",
		"text": "Test with & and =", "timestamp": "1491346667", "to": "12192259404", "type": "text",
	}},
	{SignatureSHA256, "71efab63122f1d179f51c46bac838fb5", "9FEC5EF6D0F2B3D2BB7558B6E4042569823CAB9EA0DD30503472B7B304601975", map[string]string{
		"api_key": "fake_api_key", "to": "14155550100", "from": "AcmeInc", "text": "Test From Nexmo",
		"type": "text", "timestamp": "1540924779",
	}},
}

var inboundSMS = map[string]string{
	"message-timestamp": "2013-11-21 15:27:30", "messageId": "020000001B0FE827", "msisdn": "14843472194",
	"text": "Test again", "timestamp": "1385047698", "to": "13239877404", "type": "text",
}

func TestSMSSignature(t *testing.T) {
	for _, v := range signatureVectors {
		t.Run(v.method+"/"+v.want[:8], func(t *testing.T) {
			if got := smsSignature(v.params, v.secret, v.method); got != v.want {
				t.Errorf("smsSignature = %s, want %s", got, v.want)
			}
		})
	}
}
