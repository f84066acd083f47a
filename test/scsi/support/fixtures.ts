/**
 * Byte fixtures written by hand from the SPC-4 / SBC-3 tables, annotated field by field. Those
 * marked "tgt 1.0.85" were transcribed from tgt's answers to our initiator on loopback; the LIO
 * shapes are constructed. The captures in test/fixtures/tgt/ (tgt-captures.test.ts) are the
 * machine-made counterpart.
 */
import { hexBytes } from './naive.ts';

/** Standard INQUIRY data, 96 bytes (SPC-4 6.6.2 table 142). */
export const STANDARD_INQUIRY = hexBytes(`
  00                                # 0: PERIPHERAL QUALIFIER 000b (connected), PERIPHERAL DEVICE TYPE 00h (disk)
  00                                # 1: RMB 0
  05                                # 2: VERSION 05h = SPC-3
  12                                # 3: NORMACA 0, HISUP 1, RESPONSE DATA FORMAT 2
  5b                                # 4: ADDITIONAL LENGTH 91 -> 96 bytes
  18                                # 5: SCCS 0, ACC 0, TPGS 01b (implicit ALUA), 3PC 1, PROTECT 0
  10                                # 6: ENCSERV 0, MULTIP 1
  02                                # 7: CMDQUE 1
  49 45 54 20 20 20 20 20           # 8-15: T10 VENDOR IDENTIFICATION "IET     "
  56 49 52 54 55 41 4c 2d 44 49 53 4b 20 20 20 20   # 16-31: PRODUCT IDENTIFICATION "VIRTUAL-DISK    "
  30 30 30 31                       # 32-35: PRODUCT REVISION LEVEL "0001"
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # 36-55: vendor specific
  00 00                             # 56-57: reserved
  00 60  09 60  03 00  03 20        # 58-65: VERSION DESCRIPTORS SAM-3, iSCSI, SPC-3, SBC-2
  00 00  00 00  00 00  00 00        # 66-73: VERSION DESCRIPTORS 5-8 unused
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # 74-95: reserved
`);

/** Supported VPD Pages (SPC-4 7.8.16). */
export const VPD_SUPPORTED_PAGES = hexBytes(`
  00 00                             # PDT disk, PAGE CODE 00h
  00 05                             # PAGE LENGTH 5
  00 80 83 86 b0                    # pages: 00 80 83 86 B0
`);

/**
 * Unit Serial Number (SPC-4 7.8.18), right-aligned as tgt 1.0.85 answered our initiator on
 * loopback (bytes transcribed from that run).
 */
export const VPD_UNIT_SERIAL = hexBytes(`
  00 80                             # PDT disk, PAGE CODE 80h
  00 24                             # PAGE LENGTH 36
  20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20
                                    # 30 spaces
  62 65 61 66 31 31                 # PRODUCT SERIAL NUMBER "beaf11"
`);

/**
 * Device Identification as tgt 1.0.85 answered on loopback (transcribed): a T10 vendor ID
 * designator NUL-padded to 36 bytes, an NAA 3 (locally assigned) and an NAA 6 whose IEEE
 * company ID is zero; both NAA values derive from the target id and LUN only.
 */
export const VPD_DEVICE_ID_TGT = hexBytes(`
  00 83 00 48                       # PDT disk, PAGE CODE 83h, PAGE LENGTH 72
  02 01 00 24                       # ascii, PIV 0, LU, T10 vendor ID, length 36
  49 45 54 20 20 20 20 20 30 30 30 31 30 30 30 31   # "IET     00010001"
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # NUL padding
  01 03 00 08                       # binary, PIV 0, LU, NAA, length 8
  30 00 00 01 00 00 00 01           # NAA 3 (locally assigned)
  01 03 00 10                       # binary, PIV 0, LU, NAA, length 16
  60 00 00 00 00 00 00 00 0e 00 00 00 00 01 00 01   # NAA 6, IEEE company ID 0
`);

/** Device Identification as LIO shapes it: NAA 6, target port designators, SCSI name strings. */
export const VPD_DEVICE_ID_LIO = hexBytes(`
  00 83 00 70                       # PDT disk, PAGE CODE 83h, PAGE LENGTH 112
  01 03 00 10                       # binary, LU, NAA, length 16
  60 01 40 5a bc de f0 12 34 56 78 9a bc de f0 12   # NAA 6 (IEEE registered extended)
  51 94 00 04                       # iSCSI, binary, PIV 1, target port, relative target port
  00 00 00 01                       # RELATIVE TARGET PORT IDENTIFIER 1
  51 95 00 04                       # iSCSI, binary, PIV 1, target port, target port group
  00 00 00 00                       # TARGET PORT GROUP 0
  01 06 00 04                       # binary, LU, logical unit group
  00 00 00 07                       # LOGICAL UNIT GROUP 7
  53 98 00 24                       # iSCSI, UTF-8, PIV 1, target port, SCSI name string, length 36
  69 71 6e 2e 32 30 30 33 2d 30 31 2e 6f 72 67 3a 74 31 2c 74 2c 30 78 30 30 30 31 00 00 00 00 00 00 00 00 00
                                    # "iqn.2003-01.org:t1,t,0x0001" NUL padded
  53 a8 00 18                       # iSCSI, UTF-8, PIV 1, target device, SCSI name string, length 24
  69 71 6e 2e 32 30 30 33 2d 30 31 2e 6f 72 67 3a 74 31 00 00 00 00 00 00
                                    # "iqn.2003-01.org:t1" NUL padded
`);

/** REPORT LUNS (SPC-4 6.33 table 282): LUNs 0, 1 (peripheral) and 300 (flat). */
export const REPORT_LUNS = hexBytes(`
  00 00 00 18                       # LUN LIST LENGTH 24
  00 00 00 00                       # reserved
  00 00 00 00 00 00 00 00           # LUN 0, peripheral device addressing
  00 01 00 00 00 00 00 00           # LUN 1, peripheral device addressing
  41 2c 00 00 00 00 00 00           # LUN 300, flat space addressing (01b, 0x012c)
`);

/** READ CAPACITY(10) (SBC-3 5.15.2): last LBA 0x3FFFFF, 512-byte blocks = 2 GiB. */
export const READ_CAPACITY_10 = hexBytes(`
  00 3f ff ff                       # RETURNED LOGICAL BLOCK ADDRESS
  00 00 02 00                       # LOGICAL BLOCK LENGTH IN BYTES 512
`);

/** READ CAPACITY(16) (SBC-3 5.16.2): 2^32 blocks of 4096 bytes = 16 TiB, thin provisioned. */
export const READ_CAPACITY_16 = hexBytes(`
  00 00 00 00 ff ff ff ff           # RETURNED LOGICAL BLOCK ADDRESS 0xFFFFFFFF
  00 00 10 00                       # LOGICAL BLOCK LENGTH IN BYTES 4096
  00                                # 12: RC BASIS 0, P_TYPE 0, PROT_EN 0
  03                                # 13: P_I_EXPONENT 0, LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT 3
  c0 08                             # 14-15: LBPME 1, LBPRZ 1, LOWEST ALIGNED LBA 8
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # 16-31: reserved
`);

/** PR IN READ KEYS (SPC-4 6.15.2): generation 3, two keys. */
export const PR_READ_KEYS = hexBytes(`
  00 00 00 03                       # PRGENERATION 3
  00 00 00 10                       # ADDITIONAL LENGTH 16
  43 4c 50 52 4f 42 45 01           # RESERVATION KEY "CLPROBE" 01
  43 4c 50 52 4f 42 45 02           # RESERVATION KEY "CLPROBE" 02
`);

/** PR IN READ RESERVATION (SPC-4 6.15.3): WERO held by key ...01. */
export const PR_READ_RESERVATION = hexBytes(`
  00 00 00 04                       # PRGENERATION 4
  00 00 00 10                       # ADDITIONAL LENGTH 16
  43 4c 50 52 4f 42 45 01           # RESERVATION KEY
  00 00 00 00                       # obsolete
  00                                # reserved
  05                                # SCOPE 0 (LU_SCOPE), TYPE 5 (Write Exclusive - Registrants Only)
  00 00                             # obsolete
`);

/** PR IN READ RESERVATION with no reservation held. */
export const PR_READ_RESERVATION_NONE = hexBytes(`
  00 00 00 04                       # PRGENERATION 4
  00 00 00 00                       # ADDITIONAL LENGTH 0
`);

/** PR IN REPORT CAPABILITIES (SPC-4 6.15.4) as LIO answers: everything but RLR_C, all six types. */
export const PR_REPORT_CAPABILITIES = hexBytes(`
  00 08                             # LENGTH 8
  1d                                # CRH 1, SIP_C 1, ATP_C 1, PTPL_C 1
  90                                # TMV 1, ALLOW COMMANDS 001b, PTPL_A 0
  ea 01                             # TYPE MASK: WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX | EX_AC_AR
  00 00                             # reserved
`);

/** REPORT CAPABILITIES as tgt 1.0.85 answered on loopback (transcribed): TMV and all six types, no other capability. */
export const PR_REPORT_CAPABILITIES_TGT = hexBytes(`
  00 08  00  80  ea 01  00 00       # LENGTH 8, no CRH/SIP_C/ATP_C/PTPL_C, TMV 1, all six types
`);

/** REPORT CAPABILITIES with TMV = 0: the mask bits mean nothing. */
export const PR_REPORT_CAPABILITIES_NO_TMV = hexBytes(`
  00 08  01  00  00 00  00 00       # LENGTH 8, PTPL_C 1, TMV 0, empty mask
`);

/** PR IN READ FULL STATUS (SPC-4 6.15.5): two registrants, iSCSI port TransportIDs (format 01b). */
export const PR_READ_FULL_STATUS = hexBytes(`
  00 00 00 07                       # PRGENERATION 7
  00 00 00 a0                       # ADDITIONAL LENGTH 160 = 2 x (24 + 56)
  43 4c 50 52 4f 42 45 01           # RESERVATION KEY
  00 00 00 00                       # reserved
  01                                # ALL_TG_PT 0, R_HOLDER 1
  05                                # SCOPE 0, TYPE 5
  00 00 00 00                       # reserved
  00 01                             # RELATIVE TARGET PORT IDENTIFIER 1
  00 00 00 38                       # ADDITIONAL DESCRIPTOR LENGTH 56
  45 00 00 34                       # TransportID: FORMAT 01b, iSCSI; ADDITIONAL LENGTH 52
  69 71 6e 2e 31 39 39 31 2d 30 35 2e 63 6f 6d 2e 6d 69 63 72 6f 73 6f 66 74 3a 6e 6f 64 65 61
                                    # "iqn.1991-05.com.microsoft:nodea" (31)
  2c 69 2c 30 78                    # ",i,0x"
  38 30 31 32 33 34 35 36 30 30 30 31   # ISID "801234560001"
  00 00 00 00                       # NUL terminator and padding
  43 4c 50 52 4f 42 45 02           # RESERVATION KEY
  00 00 00 00                       # reserved
  02                                # ALL_TG_PT 1, R_HOLDER 0
  00                                # SCOPE/TYPE unused
  00 00 00 00                       # reserved
  00 00                             # RELATIVE TARGET PORT IDENTIFIER (ALL_TG_PT set)
  00 00 00 38                       # ADDITIONAL DESCRIPTOR LENGTH 56
  45 00 00 34                       # TransportID: FORMAT 01b, iSCSI; ADDITIONAL LENGTH 52
  69 71 6e 2e 31 39 39 31 2d 30 35 2e 63 6f 6d 2e 6d 69 63 72 6f 73 6f 66 74 3a 6e 6f 64 65 62
                                    # "iqn.1991-05.com.microsoft:nodeb"
  2c 69 2c 30 78                    # ",i,0x"
  38 30 41 42 43 44 45 46 30 30 30 32   # ISID "80ABCDEF0002" (upper case on the wire)
  00 00 00 00                       # NUL terminator and padding
`);

/** Fixed format sense (SPC-4 4.5.3): UNIT ATTENTION 29/00, byte for byte as tgt 1.0.85 sent it on the first command of a session. */
export const SENSE_UA_POWER_ON = hexBytes(`
  70 00 06                          # current, fixed; SENSE KEY 6 UNIT ATTENTION
  00 00 00 00                       # INFORMATION (VALID 0)
  0a                                # ADDITIONAL SENSE LENGTH 10 -> 18 bytes
  00 00 00 00                       # COMMAND-SPECIFIC INFORMATION
  29 00                             # ASC/ASCQ 29/00
  00 00 00 00                       # FRU, SENSE KEY SPECIFIC (SKSV 0)
`);

/** Fixed format: ILLEGAL REQUEST, INVALID FIELD IN CDB with a field pointer at CDB byte 1 (tgt sends 05/24/00 without SKSV; LIO points at the field). */
export const SENSE_INVALID_FIELD_IN_CDB = hexBytes(`
  70 00 05  00 00 00 00  0a  00 00 00 00
  24 00                             # 24/00 INVALID FIELD IN CDB
  00                                # FRU
  c0 00 01                          # SKSV 1, C/D 1 (CDB), BPV 0; FIELD POINTER 1
`);

/** Descriptor format (SPC-4 4.5.2): MEDIUM ERROR 11/00 with an information descriptor (LBA 0x123456). */
export const SENSE_DESCRIPTOR_MEDIUM_ERROR = hexBytes(`
  72 03 11 00                       # current, descriptor; MEDIUM ERROR; 11/00
  00 00 00                          # reserved
  0c                                # ADDITIONAL SENSE LENGTH 12
  00 0a 80 00                       # information descriptor, ADDITIONAL LENGTH 10, VALID 1
  00 00 00 00 00 12 34 56           # INFORMATION
`);
