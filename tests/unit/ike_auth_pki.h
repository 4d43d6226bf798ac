/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Keys and self-signed certificates for tests/unit/test_ike_auth.c, made
 * with the openssl 3.0 CLI (valid for 100 years from 2026-11-22):
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
 *     -days 36500 -subj "/C=CH/O=xdpsec unit/CN=p256.example.org"
 *     -addext "subjectAltName=DNS:p256.example.org,IP:192.0.2.9"
 *     -addext "keyUsage=critical,digitalSignature,keyCertSign"
 *   openssl req -x509 -newkey rsa:2048 ... -subj ".../CN=rsa.example.org"
 *     -addext "subjectAltName=email:rsa@example.org"
 *   openssl req -x509 -newkey ed25519 ... -subj ".../CN=ed25519"
 * Test material only: these keys protect nothing.
 */
#ifndef XDPSEC_TESTS_UNIT_IKE_AUTH_PKI_H
#define XDPSEC_TESTS_UNIT_IKE_AUTH_PKI_H

static const char p256_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvNDl4boph23KWfMe\n"
	"L1nVqE0ly9jhtE0rLUEYG7yPQwihRANCAATGC6/W3qZu7WA8bkug7g27rBnqgTAc\n"
	"OaO2AANuiYUbUG3wpzHSy995LYpsjkThCnXRaCHg1QRPpz5R5ur2Q82y\n"
	"-----END PRIVATE KEY-----\n";
static const char p256_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICCDCCAa6gAwIBAgIUczG9hQxXvEWfVOBto+7fOwZW4NswCgYIKoZIzj0EAwIw\n"
	"PjELMAkGA1UEBhMCQ0gxFDASBgNVBAoMC3hkcHNlYyB1bml0MRkwFwYDVQQDDBBw\n"
	"MjU2LmV4YW1wbGUub3JnMCAXDTI2MTEyMjA5MTk0OVoYDzIxMjYxMDI5MDkxOTQ5\n"
	"WjA+MQswCQYDVQQGEwJDSDEUMBIGA1UECgwLeGRwc2VjIHVuaXQxGTAXBgNVBAMM\n"
	"EHAyNTYuZXhhbXBsZS5vcmcwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATGC6/W\n"
	"3qZu7WA8bkug7g27rBnqgTAcOaO2AANuiYUbUG3wpzHSy995LYpsjkThCnXRaCHg\n"
	"1QRPpz5R5ur2Q82yo4GHMIGEMB0GA1UdDgQWBBSq3Wkqh0/VVHn4P9wgt2piXUux\n"
	"rzAfBgNVHSMEGDAWgBSq3Wkqh0/VVHn4P9wgt2piXUuxrzAPBgNVHRMBAf8EBTAD\n"
	"AQH/MCEGA1UdEQQaMBiCEHAyNTYuZXhhbXBsZS5vcmeHBMAAAgkwDgYDVR0PAQH/\n"
	"BAQDAgKEMAoGCCqGSM49BAMCA0gAMEUCIQC2E5FnyhB3JsHds5GRQPFi9GI2CGJ+\n"
	"REcGwJhaCF4ZhAIgNpww1BeDyfRJb9MJT98s+uHxGeLsyK4BGIwtlEXkfJo=\n"
	"-----END CERTIFICATE-----\n";
static const char rsa_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDHE4w/a3+XsbW/\n"
	"qb/abfoIP9+N60aG4nWKOs3Y2wcSYSM795AHXQ8yIV17jPIoyABP4bSiNuHMFh4I\n"
	"WXdApOm3I7tnSg8HlyX6SRd6lOeExvSK1ICtvf4sdsyzXHRbgD4UUj1LnQANaJqW\n"
	"LC/EMsjab7XaxeFtBLu5GTfbHL5qWWEU6/X2ODzecXP1aCvzzdYvcWRi8a5tYGJr\n"
	"c2Trt8X+Q6K/tXQaFDOpAss339yWrhBpuqBO5ubbWx9w8j4oSP6BJL7xEga/dS3p\n"
	"Iv6OgNHBuQnxDSEpV0DfeKSnG9zUi5r2oJFu3jtev7HNzmS6MibirKih59TQmtmU\n"
	"llbvMy9/AgMBAAECggEAAhJv5NFAIq8O8y047Q58iiwU0fI/ZINznS1iJecSBfj9\n"
	"QO74bMI8R+Tu2SeEHthNbLBh81yDwOOZ4hoLUqC5RJQIgsoG0pSP9Yzk9vxWfqF+\n"
	"iBiqXRU3wlDgeCeGJ1BfodbBIXLxe6Lie+VqZn/bN7k2fgY8MdGwRd2HIRoaKrSg\n"
	"Gjf1LNpQVBGdqpO7anMyUkxmHb5W+oPfccFf7oS7Ys1a6y770OMsWbcD0fMoKHI/\n"
	"T3/6tv3BuJKw21uQIYI8IFAlr+6IBhJScNxI5LPQvveeagI1ZJd40CDRHujZe7Xf\n"
	"3NCBTCMbjt4Hwvk80wqDYf/L0jNjMEx0EL217UAbeQKBgQDt0a9iKB13LfnbcDmE\n"
	"lmP+xKB9I9aj94mmDNvPbJ7pN4HMi2B2P7yJ3TSV2FVDzX4Z2OHTYH2q9oz42N27\n"
	"nX8ibC2xr0/ePYMhpmO9RgmiDCddCyFfA8X2zcti5suAhlB2OpQy7LMYxMNR3odp\n"
	"LtgWh5stoErDtaXnSocP653RSwKBgQDWS6LEOt0BO8jdfPTM050LDY+rq58dp7RX\n"
	"7bHOrBv5yhEhQeysWyJ2Iv5JTrEIO+RoqXZ/C4HugM5GT69H2SYrpm8aUVV853J2\n"
	"rCjOjQ9I90o1zCbcMUhYGvFodv3IOh2j1obTRWm27f9Z7avZYKLRdU1bF4cjYz0q\n"
	"8l5R/MUuHQKBgGUz8y+RJKDf9tDUHBX5LcpwAF/gjWmvYGtCU5QchC94yIqz0TPh\n"
	"AamlcchGjFpTK1NygP9Ds5a6XtlS6GD7r+uFH5jaouFPSeta9FzKXjUQePvWTbgy\n"
	"Ud8qSl/nGTizb7AwU3qsUba7nObNDNDM93X29SlgahCIz3XyuDElMj6rAoGAX9bH\n"
	"3rbsrGaOePAvk4N4kr7n6EEDEoI0V7bIdMPoZxiF/Le9H4BKs0cHLsXwytvuVRil\n"
	"FECTRZV5q1xr6dgmCBORUNXbQ9dHC+gHAAl6MonWOKUrJAMudajnGm9NJMVJCEMj\n"
	"XU2H7/YU46U13Cwp5T9u7zRgjeUOMCzhHg3MKckCgYB7D9CRj7GPav/1cBzN538D\n"
	"QO/0Mz89GL+LeSVgYA1vhk1K1oQkoJaWPrRI2cEWs8WQJWKvpQpd8Y8qPnr8yQCP\n"
	"irDA+GS//bqrnrhbU9PLWPgKrMNngg7FLWZgMlKgpUtoqYmDTj1Vx7WGuycB13tW\n"
	"vyeNk/cus0fsyhrju0ZEYg==\n"
	"-----END PRIVATE KEY-----\n";
static const char rsa_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDeTCCAmGgAwIBAgIUCm1LFlIDt35STX2sp8h9qOS2IhUwDQYJKoZIhvcNAQEL\n"
	"BQAwPTELMAkGA1UEBhMCQ0gxFDASBgNVBAoMC3hkcHNlYyB1bml0MRgwFgYDVQQD\n"
	"DA9yc2EuZXhhbXBsZS5vcmcwIBcNMjYxMTIyMDkxOTUwWhgPMjEyNjEwMjkwOTE5\n"
	"NTBaMD0xCzAJBgNVBAYTAkNIMRQwEgYDVQQKDAt4ZHBzZWMgdW5pdDEYMBYGA1UE\n"
	"AwwPcnNhLmV4YW1wbGUub3JnMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC\n"
	"AQEAxxOMP2t/l7G1v6m/2m36CD/fjetGhuJ1ijrN2NsHEmEjO/eQB10PMiFde4zy\n"
	"KMgAT+G0ojbhzBYeCFl3QKTptyO7Z0oPB5cl+kkXepTnhMb0itSArb3+LHbMs1x0\n"
	"W4A+FFI9S50ADWialiwvxDLI2m+12sXhbQS7uRk32xy+allhFOv19jg83nFz9Wgr\n"
	"883WL3FkYvGubWBia3Nk67fF/kOiv7V0GhQzqQLLN9/clq4QabqgTubm21sfcPI+\n"
	"KEj+gSS+8RIGv3Ut6SL+joDRwbkJ8Q0hKVdA33ikpxvc1Iua9qCRbt47Xr+xzc5k\n"
	"ujIm4qyooefU0JrZlJZW7zMvfwIDAQABo28wbTAdBgNVHQ4EFgQUOY3QwwPONwWk\n"
	"IlhZMLctgOGYYOIwHwYDVR0jBBgwFoAUOY3QwwPONwWkIlhZMLctgOGYYOIwDwYD\n"
	"VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgQ9yc2FAZXhhbXBsZS5vcmcwDQYJKoZI\n"
	"hvcNAQELBQADggEBAIPpwUnBWLTdcEJOiucMwSqttvByXxAPBP9bIsqtDtyzE0Va\n"
	"w/4PuPr1UlwKS3afxE0kS1hFwp0mYTctXhJkBeJ7tpTogXC6QJs9zhvSCpzry+pl\n"
	"QQbsNLGUwcnJAnqJ6PSDewZpqoMENKl1iuFXSYOviMPfbluAO6Swr2u5QfEJkZ3g\n"
	"nzWpI4pLnNXM7I1jNyk1HHrd8fhZ9spUJxgFwL3iCjjIziVZPZLQ7PKn+aDomJmR\n"
	"HPMBG75RsDoI8CenZH3YSThNMwpUq3p7AcU8ZlV6uODgc2wNi3rizxwIvGp6NOtJ\n"
	"tjlhtlI6aoBS3I4vx93QKTXgNFjl2MVZdFMA5f4=\n"
	"-----END CERTIFICATE-----\n";
static const char ed_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIPGKNdO4XudL40gsxBY32D0l1Ia/PSofMLmddN3Go3C0\n"
	"-----END PRIVATE KEY-----\n";
static const char ed_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBgTCCATOgAwIBAgIUHwzKvQv+IKYf+t/wKFmim050d+owBQYDK2VwMDUxCzAJ\n"
	"BgNVBAYTAkNIMRQwEgYDVQQKDAt4ZHBzZWMgdW5pdDEQMA4GA1UEAwwHZWQyNTUx\n"
	"OTAgFw0yNjExMjIwOTE5NTBaGA8yMTI2MTAyOTA5MTk1MFowNTELMAkGA1UEBhMC\n"
	"Q0gxFDASBgNVBAoMC3hkcHNlYyB1bml0MRAwDgYDVQQDDAdlZDI1NTE5MCowBQYD\n"
	"K2VwAyEALOMIjYO5o03IhjIrGHtNoQv/rPBK3Ovw2+HRPcHRKWGjUzBRMB0GA1Ud\n"
	"DgQWBBTDK0T08zxtDq3R27QRFGpLGrWfuTAfBgNVHSMEGDAWgBTDK0T08zxtDq3R\n"
	"27QRFGpLGrWfuTAPBgNVHRMBAf8EBTADAQH/MAUGAytlcANBAPRvI/J3SxC/6qvO\n"
	"UJ4ZjXv8byJI+dB+4rUlemFjiCWgx1Jkvrk5aAjqX8OYRmvic8olUFV2Ijd7cgsB\n"
	"IHIX/AI=\n"
	"-----END CERTIFICATE-----\n";

#endif
