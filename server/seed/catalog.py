"""Reference data for the deterministic demo seeder.

Pure data: it imports only the domain vocabularies (server/models/vocab.py).
The seeder turns these constants into rows; nothing here touches a database.

Conventions used throughout:

* Codes (factory, defect, checklist item, point of measure) are stable
  identifiers. Never renumber or reuse one: the offline clients store them.
* Measurements are in centimetres, as floats with one decimal place. Convert
  with ``Decimal(str(value))``, not ``Decimal(value)``, if a Numeric column is
  used.
* Money and AQL values are decimal strings (``"2.5"``, ``"4.80"``) so they
  survive a round trip without float error.
* All company names are fictional.
"""

from dataclasses import dataclass, field

# The vocabularies are the data model's own, so catalogue and schema cannot disagree.
from server.models.vocab import (  # noqa: F401 - re-exported with the catalogue
    DEFECT_CATEGORIES,
    INSPECTION_LEVELS,
    INSPECTION_TYPES,
    SEVERITIES,
)

# ---------------------------------------------------------------------------
# 1. Factories
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Factory:
    code: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    city: str
    timezone: str  # IANA tz database name
    # False = the factory often misses milestones (capacity or subcontracting
    # trouble). The seeder uses it to generate late orders and delays.
    steady_production: bool
    # Product categories the factory is set up for (PRODUCT_CATEGORIES codes).
    specialties: tuple[str, ...]
    # Currency its purchase orders are usually priced in (see CURRENCIES).
    currency: str


FACTORIES = (
    Factory(
        code="BD-GZP-01",
        name="Padma Riverside Knit Composite Ltd.",
        country="BD",
        city="Gazipur",
        timezone="Asia/Dhaka",
        steady_production=True,
        specialties=("tops_knit", "kidswear", "underwear"),
        currency="USD",
    ),
    Factory(
        code="BD-DHK-02",
        name="Kashful Denim & Woven Ltd.",
        country="BD",
        city="Ashulia, Dhaka",
        timezone="Asia/Dhaka",
        steady_production=False,
        specialties=("bottoms_denim", "bottoms_woven", "tops_woven"),
        currency="USD",
    ),
    Factory(
        code="VN-BDG-01",
        name="Lotus Delta Garment JSC",
        country="VN",
        city="Thu Dau Mot, Binh Duong",
        timezone="Asia/Ho_Chi_Minh",
        steady_production=True,
        specialties=("outerwear", "activewear", "tops_woven"),
        currency="USD",
    ),
    Factory(
        code="CN-NGB-01",
        name="Ningbo Seabright Garments Co., Ltd.",
        country="CN",
        city="Ningbo",
        timezone="Asia/Shanghai",
        steady_production=True,
        specialties=("outerwear", "knitwear_sweaters", "dresses"),
        currency="USD",
    ),
    Factory(
        code="IN-TUP-01",
        name="Noyyal Valley Knits Pvt. Ltd.",
        country="IN",
        city="Tiruppur",
        timezone="Asia/Kolkata",
        steady_production=True,
        specialties=("tops_knit", "kidswear", "underwear", "activewear"),
        currency="USD",
    ),
    Factory(
        code="TR-IZM-01",
        name="Egeline Tekstil San. ve Tic. A.Ş.",
        country="TR",
        city="Izmir",
        timezone="Europe/Istanbul",
        steady_production=True,
        specialties=("bottoms_denim", "dresses", "tops_woven"),
        currency="EUR",
    ),
    Factory(
        code="PT-OPO-01",
        name="Fio do Norte Confecções, Lda.",
        country="PT",
        city="Porto",
        timezone="Europe/Lisbon",
        steady_production=True,
        specialties=("tops_knit", "knitwear_sweaters", "dresses", "activewear"),
        currency="EUR",
    ),
    Factory(
        code="KH-PNH-01",
        name="Tonle Sap Apparel (Cambodia) Co., Ltd.",
        country="KH",
        city="Phnom Penh",
        timezone="Asia/Phnom_Penh",
        steady_production=False,
        specialties=("activewear", "underwear", "bottoms_woven", "kidswear"),
        currency="USD",
    ),
)


# ---------------------------------------------------------------------------
# 2. Product categories and size scales
# ---------------------------------------------------------------------------

# Ordered size scales. Measurement grading (section 6) is "grade_cm per step
# along the scale", so each scale is chosen to have roughly equal steps:
# waist sizes go in 2-inch steps, EU women's sizes in 4 cm (bust/hip girth)
# steps, children's sizes by height in 6 cm steps.
SIZE_SCALES = {
    "alpha": ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"),
    "waist": ("28", "30", "32", "34", "36", "38", "40"),
    "eu_women": ("32", "34", "36", "38", "40", "42", "44", "46"),
    "kids_height": ("92", "98", "104", "110", "116", "122", "128", "134", "140"),
}


@dataclass(frozen=True)
class ProductCategory:
    code: str
    label: str
    size_scale: str  # key into SIZE_SCALES
    # The size the MEASUREMENT_POINTS base values are given for. Every style
    # in the category includes it.
    base_size: str


PRODUCT_CATEGORIES = (
    ProductCategory("tops_knit", "Knit tops (tees, polos, sweatshirts)", "alpha", "M"),
    ProductCategory("tops_woven", "Woven tops (shirts, blouses)", "alpha", "M"),
    ProductCategory("bottoms_denim", "Denim bottoms", "waist", "32"),
    ProductCategory("bottoms_woven", "Woven bottoms (chinos, trousers, shorts)", "waist", "32"),
    ProductCategory("dresses", "Dresses", "eu_women", "38"),
    ProductCategory("outerwear", "Outerwear (jackets, coats, parkas)", "alpha", "M"),
    ProductCategory("knitwear_sweaters", "Knitwear (sweaters, cardigans)", "alpha", "M"),
    # Performance bottoms; performance tops are filed under tops_knit.
    ProductCategory("activewear", "Activewear (leggings, tights, training shorts)", "alpha", "M"),
    ProductCategory("underwear", "Underwear (briefs, trunks, boxers)", "alpha", "M"),
    # Children's knit tops, 2-10 years. Subject to stricter safety checks.
    ProductCategory("kidswear", "Kidswear (children's knit tops)", "kids_height", "110"),
)


# ---------------------------------------------------------------------------
# 3. Defect library
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Defect:
    code: str
    name: str
    category: str  # one of DEFECT_CATEGORIES
    default_severity: str  # one of SEVERITIES
    # The name in the factory floors' languages, keyed by language tag: every
    # defect has its Simplified Chinese ("zh") and Vietnamese ("vi") name
    # (tests/unit/test_catalog.py), in the usual shop-floor wording.
    # hash=False keeps the frozen dataclass hashable despite the dict.
    names_translated: dict = field(default_factory=dict, hash=False)


# Default severities follow common buyer defect manuals. Inspectors can
# change the severity of a single finding (for example, a minor stain in a
# zone-B area vs. a major one on the front panel). Critical is kept for
# safety, hygiene and legal issues.
DEFECT_LIBRARY = (
    # --- Fabric ----------------------------------------------------------
    Defect("FAB-001", "Hole", "fabric", "major",
           {"zh": "破洞", "vi": "Lỗ thủng"}),
    Defect("FAB-002", "Slub", "fabric", "minor",
           {"zh": "粗节纱", "vi": "Sợi gút (sợi bị dày cục bộ)"}),
    Defect("FAB-003", "Barre (horizontal stripe in knit fabric)", "fabric", "major",
           {"zh": "横条（针织布横向条纹）", "vi": "Sọc ngang (vải dệt kim)"}),
    Defect("FAB-004", "Shading within garment (panel to panel)", "fabric", "major",
           {"zh": "色差（同件衣服裁片间）", "vi": "Khác màu trong sản phẩm (giữa các thân)"}),
    Defect("FAB-005", "Shade variation between garments in lot", "fabric", "major",
           {"zh": "色差（同批衣服之间）", "vi": "Khác màu giữa các sản phẩm trong lô"}),
    Defect("FAB-006", "Dye spot", "fabric", "major",
           {"zh": "染色斑点", "vi": "Đốm nhuộm"}),
    Defect("FAB-007", "Streaks / uneven dyeing", "fabric", "major",
           {"zh": "条花 / 染色不匀", "vi": "Vệt sọc / nhuộm không đều"}),
    Defect("FAB-008", "Colour migration / bleeding", "fabric", "major",
           {"zh": "串色 / 渗色", "vi": "Lem màu / loang màu"}),
    Defect("FAB-009", "Crocking (colour rub-off)", "fabric", "major",
           {"zh": "摩擦掉色", "vi": "Phai màu khi cọ xát"}),
    Defect("FAB-010", "Pilling", "fabric", "major",
           {"zh": "起球", "vi": "Xù lông (vón hạt)"}),
    Defect("FAB-011", "Fabric weave defect (broken end, missing pick, float)", "fabric", "major",
           {"zh": "织疵（断经、缺纬、跳花）", "vi": "Lỗi dệt thoi (đứt sợi dọc, thiếu sợi ngang, sợi nổi)"}),
    Defect("FAB-012", "Knitting defect (drop stitch, needle line, lycra out)", "fabric", "major",
           {"zh": "针织疵点（漏针、针路、氨纶断丝）", "vi": "Lỗi dệt kim (tuột mũi, vệt kim, đứt sợi spandex)"}),
    Defect("FAB-013", "Snag / pulled yarn", "fabric", "minor",
           {"zh": "勾丝 / 抽纱", "vi": "Móc sợi / kéo sợi"}),
    Defect("FAB-014", "Thick and thin yarn", "fabric", "minor",
           {"zh": "粗细纱", "vi": "Sợi to sợi nhỏ"}),
    Defect("FAB-015", "Foreign fibre / fly contamination", "fabric", "minor",
           {"zh": "异纤 / 飞花污染", "vi": "Xơ lạ / bụi bông bám"}),
    Defect("FAB-016", "Permanent crease or crush mark", "fabric", "minor",
           {"zh": "死褶或压痕", "vi": "Nếp gấp hoặc vết ép không mất"}),
    Defect("FAB-017", "Fabric skew / bowing", "fabric", "major",
           {"zh": "纬斜 / 弓纬", "vi": "Vải xéo canh / cong sợi ngang"}),
    Defect("FAB-018", "Hand-feel or fabric weight not as approved", "fabric", "major",
           {"zh": "手感或克重与确认样不符", "vi": "Cảm giác tay hoặc trọng lượng vải không như mẫu duyệt"}),
    Defect("FAB-019", "Coating / membrane delamination", "fabric", "major",
           {"zh": "涂层 / 复合膜脱层", "vi": "Bong lớp tráng phủ / màng"}),
    Defect("FAB-020", "Wrong fabric or composition used", "fabric", "major",
           {"zh": "面料或成分用错", "vi": "Dùng sai vải hoặc sai thành phần"}),

    # --- Workmanship -----------------------------------------------------
    Defect("WKM-001", "Broken stitch", "workmanship", "major",
           {"zh": "断线", "vi": "Đứt chỉ"}),
    Defect("WKM-002", "Open seam", "workmanship", "major",
           {"zh": "开线", "vi": "Hở đường may"}),
    Defect("WKM-003", "Skipped stitch", "workmanship", "major",
           {"zh": "跳针", "vi": "Bỏ mũi"}),
    Defect("WKM-004", "Run-off stitching", "workmanship", "minor",
           {"zh": "车线走出", "vi": "May lệch ra ngoài"}),
    Defect("WKM-005", "Seam slippage", "workmanship", "major",
           {"zh": "缝口脱开（滑移）", "vi": "Tuột sợi đường may"}),
    Defect("WKM-006", "Puckering", "workmanship", "major",
           {"zh": "起皱", "vi": "Nhăn đường may"}),
    Defect("WKM-007", "Pleated seam", "workmanship", "major",
           {"zh": "缝线打褶", "vi": "Đường may bị xếp li"}),
    Defect("WKM-008", "Twisted leg / twisted seam", "workmanship", "major",
           {"zh": "扭腿 / 扭缝", "vi": "Vặn ống / vặn đường may"}),
    Defect("WKM-009", "Uneven hem", "workmanship", "minor",
           {"zh": "下摆不齐", "vi": "Lai không đều"}),
    Defect("WKM-010", "Roping / wavy hem", "workmanship", "minor",
           {"zh": "下摆起波浪", "vi": "Lai bị gợn sóng"}),
    Defect("WKM-011", "Raw edge", "workmanship", "major",
           {"zh": "毛边外露", "vi": "Sờn mép / lộ mép vải"}),
    Defect("WKM-012", "Uncut thread (jump / connecting thread)", "workmanship", "minor",
           {"zh": "线头未剪（跳线 / 连线）", "vi": "Chưa cắt chỉ nối (chỉ nhảy)"}),
    Defect("WKM-013", "Loose thread end", "workmanship", "minor",
           {"zh": "线头", "vi": "Chỉ thừa"}),
    Defect("WKM-014", "Needle damage (needle holes, cut yarns along seam)", "workmanship", "major",
           {"zh": "针洞（针眼、沿缝纱线被切断）", "vi": "Lỗ kim (lỗ kim, đứt sợi dọc đường may)"}),
    Defect("WKM-015", "Stitch density (SPI) not per specification", "workmanship", "minor",
           {"zh": "针距（每英寸针数）不符规格", "vi": "Mật độ mũi chỉ (SPI) không đúng thông số"}),
    Defect("WKM-016", "Wrong thread colour", "workmanship", "minor",
           {"zh": "线色用错", "vi": "Sai màu chỉ"}),
    Defect("WKM-017", "Insufficient seam allowance", "workmanship", "major",
           {"zh": "缝份不足", "vi": "Đường may thiếu đường biên"}),
    Defect("WKM-018", "Missing or misplaced bartack", "workmanship", "major",
           {"zh": "套结漏打或位置不对", "vi": "Thiếu hoặc sai vị trí bọ"}),
    Defect("WKM-019", "Buttonhole defect (uncut, frayed, broken stitch)", "workmanship", "major",
           {"zh": "扣眼不良（未开、毛边、断线）", "vi": "Lỗi khuyết (chưa cắt, tưa, đứt chỉ)"}),
    Defect("WKM-020", "Button not aligned with buttonhole", "workmanship", "major",
           {"zh": "纽扣与扣眼不对位", "vi": "Nút không khớp với khuyết"}),
    Defect("WKM-021", "Mismatched stripes / checks at seams", "workmanship", "major",
           {"zh": "接缝处条格不对", "vi": "Sọc / ca rô không khớp ở đường may"}),
    Defect("WKM-022", "Uneven collar points / collar not symmetrical", "workmanship", "major",
           {"zh": "领尖不对称", "vi": "Đầu cổ không đều / cổ không cân"}),
    Defect("WKM-023", "Pocket uneven or misplaced", "workmanship", "minor",
           {"zh": "口袋不齐或位置不对", "vi": "Túi không đều hoặc sai vị trí"}),
    Defect("WKM-024", "Wavy zip placket", "workmanship", "major",
           {"zh": "拉链门襟起波浪", "vi": "Nẹp khóa kéo bị gợn sóng"}),
    Defect("WKM-025", "Fusing bubbles / delamination of interlining", "workmanship", "major",
           {"zh": "粘衬起泡 / 脱胶", "vi": "Keo dựng bị phồng / bong keo"}),
    Defect("WKM-026", "Misaligned print", "workmanship", "major",
           {"zh": "印花错位", "vi": "In lệch vị trí"}),
    Defect("WKM-027", "Print cracking / peeling", "workmanship", "major",
           {"zh": "印花开裂 / 脱落", "vi": "Hình in bị nứt / bong tróc"}),
    Defect("WKM-028", "Embroidery defect (broken stitch, puckered, misregistered)", "workmanship", "major",
           {"zh": "绣花不良（断线、起皱、套位不准）", "vi": "Lỗi thêu (đứt chỉ, nhăn, lệch hình)"}),
    Defect("WKM-029", "Label sewn crooked or off position", "workmanship", "minor",
           {"zh": "唛头缝歪或位置不对", "vi": "Nhãn may lệch hoặc sai vị trí"}),
    Defect("WKM-030", "Stain / soiling", "workmanship", "major",
           {"zh": "污渍", "vi": "Vết bẩn"}),
    Defect("WKM-031", "Oil stain", "workmanship", "major",
           {"zh": "油渍", "vi": "Vết dầu"}),
    Defect("WKM-032", "Chalk or pen mark not removed", "workmanship", "minor",
           {"zh": "粉印或笔印未清除", "vi": "Chưa xóa vết phấn hoặc vết bút"}),
    Defect("WKM-033", "Poor pressing / wrinkled", "workmanship", "minor",
           {"zh": "整烫不良 / 有皱", "vi": "Ủi không đạt / còn nhăn"}),
    Defect("WKM-034", "Shine or iron glaze mark", "workmanship", "minor",
           {"zh": "极光或烫焦印", "vi": "Bóng vải hoặc vết ủi cháy"}),
    Defect("WKM-035", "Down / fill leakage through seams or fabric", "workmanship", "major",
           {"zh": "钻绒（羽绒或填充物从缝线或面料漏出）", "vi": "Lọt lông / bông qua đường may hoặc vải"}),
    Defect("WKM-036", "Wash effect not as approved standard", "workmanship", "major",
           {"zh": "洗水效果与确认标准不符", "vi": "Hiệu ứng wash không đúng chuẩn duyệt"}),

    # --- Measurement -----------------------------------------------------
    Defect("MEA-001", "Measurement out of tolerance (critical point of measure)", "measurement", "major",
           {"zh": "尺寸超差（主要测量部位）", "vi": "Thông số ngoài dung sai (điểm đo quan trọng)"}),
    Defect("MEA-002", "Measurement out of tolerance (secondary point of measure)", "measurement", "minor",
           {"zh": "尺寸超差（次要测量部位）", "vi": "Thông số ngoài dung sai (điểm đo phụ)"}),
    Defect("MEA-003", "Left / right asymmetry beyond tolerance", "measurement", "major",
           {"zh": "左右不对称超出公差", "vi": "Trái phải không đối xứng quá dung sai"}),
    Defect("MEA-004", "Garment measures to a different size than labelled", "measurement", "major",
           {"zh": "成衣尺寸与所标尺码不符", "vi": "Thông số sản phẩm ứng với cỡ khác cỡ ghi trên nhãn"}),
    Defect("MEA-005", "Dimensional change after wash test beyond tolerance", "measurement", "major",
           {"zh": "洗后尺寸变化超出公差", "vi": "Thay đổi kích thước sau giặt quá dung sai"}),
    Defect("MEA-006", "Spirality / torque after wash beyond tolerance", "measurement", "major",
           {"zh": "洗后扭曲 / 扭度超出公差", "vi": "Vặn xoắn sau giặt quá dung sai"}),

    # --- Trims and accessories -------------------------------------------
    Defect("TRM-001", "Missing button", "trims_accessories", "major",
           {"zh": "掉扣", "vi": "Thiếu nút"}),
    Defect("TRM-002", "Broken or cracked button", "trims_accessories", "major",
           {"zh": "纽扣破损或开裂", "vi": "Nút vỡ hoặc nứt"}),
    Defect("TRM-003", "Loose button / insecure attachment", "trims_accessories", "major",
           {"zh": "纽扣松动 / 钉缝不牢", "vi": "Nút lỏng / đính không chắc"}),
    # Small parts that come off a children's garment are a choking hazard.
    Defect("TRM-004", "Button / snap fails pull test on kidswear (choking hazard)",
           "trims_accessories", "critical",
           {"zh": "童装纽扣 / 按扣拉力测试不合格（窒息危险）",
            "vi": "Nút / nút bấm hàng trẻ em không đạt thử lực kéo (nguy cơ hóc nghẹn)"}),
    Defect("TRM-005", "Broken zipper", "trims_accessories", "major",
           {"zh": "拉链损坏", "vi": "Khóa kéo hỏng"}),
    Defect("TRM-006", "Zipper does not run smoothly / puller missing", "trims_accessories", "major",
           {"zh": "拉链不顺滑 / 缺拉头", "vi": "Khóa kéo không trơn / thiếu đầu kéo"}),
    Defect("TRM-007", "Wrong zipper length or colour", "trims_accessories", "minor",
           {"zh": "拉链长度或颜色不对", "vi": "Sai chiều dài hoặc màu khóa kéo"}),
    Defect("TRM-008", "Defective snap fastener (does not close, loose)", "trims_accessories", "major",
           {"zh": "按扣不良（扣不上、松动）", "vi": "Nút bấm lỗi (không bấm được, lỏng)"}),
    Defect("TRM-009", "Sharp edge or burr on metal trim", "trims_accessories", "critical",
           {"zh": "金属配件有锐边或毛刺", "vi": "Phụ liệu kim loại có cạnh sắc hoặc ba via"}),
    Defect("TRM-010", "Rust / corrosion on metal trim", "trims_accessories", "major",
           {"zh": "金属配件生锈 / 腐蚀", "vi": "Phụ liệu kim loại bị gỉ / ăn mòn"}),
    Defect("TRM-011", "Elastic defect (uneven, over-stretched, poor recovery)", "trims_accessories", "major",
           {"zh": "松紧带不良（不匀、拉伸过度、回弹差）", "vi": "Lỗi thun (không đều, giãn quá, co hồi kém)"}),
    # EN 14682: no functional drawcords in the hood/neck of children's garments.
    Defect("TRM-012", "Drawcord in hood or neck area of childrenswear", "trims_accessories", "critical",
           {"zh": "童装帽子或领口有抽绳", "vi": "Dây rút ở mũ hoặc cổ quần áo trẻ em"}),
    Defect("TRM-013", "Trim not as approved trim card / BOM", "trims_accessories", "major",
           {"zh": "辅料与确认的辅料卡 / 物料清单不符", "vi": "Phụ liệu không đúng bảng phụ liệu duyệt / BOM"}),
    Defect("TRM-014", "Hook-and-loop tape misaligned", "trims_accessories", "minor",
           {"zh": "魔术贴错位", "vi": "Băng gai dính lệch"}),

    # --- Packing and labelling -------------------------------------------
    Defect("PKL-001", "Wrong care label (symbols or instructions)", "packing_labelling", "major",
           {"zh": "洗水唛错误（符号或说明）", "vi": "Sai nhãn hướng dẫn sử dụng (ký hiệu hoặc nội dung)"}),
    # Mandatory labels are a legal issue but not a safety one, hence major.
    Defect("PKL-002", "Missing or incorrect fibre content label", "packing_labelling", "major",
           {"zh": "成分唛缺失或错误", "vi": "Thiếu hoặc sai nhãn thành phần"}),
    Defect("PKL-003", "Missing or incorrect country of origin label", "packing_labelling", "major",
           {"zh": "产地唛缺失或错误", "vi": "Thiếu hoặc sai nhãn xuất xứ"}),
    Defect("PKL-004", "Wrong size label", "packing_labelling", "major",
           {"zh": "尺码唛错误", "vi": "Sai nhãn cỡ"}),
    Defect("PKL-005", "Missing main / brand label", "packing_labelling", "major",
           {"zh": "缺主唛 / 品牌唛", "vi": "Thiếu nhãn chính / nhãn hiệu"}),
    Defect("PKL-006", "Incorrect hangtag (style, colour or price)", "packing_labelling", "major",
           {"zh": "吊牌错误（款号、颜色或价格）", "vi": "Thẻ bài sai (mã hàng, màu hoặc giá)"}),
    Defect("PKL-007", "Barcode missing, wrong or does not scan", "packing_labelling", "major",
           {"zh": "条码缺失、错误或无法扫描", "vi": "Mã vạch thiếu, sai hoặc không quét được"}),
    Defect("PKL-008", "Missing polybag warning (suffocation)", "packing_labelling", "major",
           {"zh": "胶袋缺警告语（窒息）", "vi": "Túi PE thiếu cảnh báo (ngạt thở)"}),
    Defect("PKL-009", "Wrong carton marking", "packing_labelling", "major",
           {"zh": "箱唛错误", "vi": "Sai ký hiệu thùng"}),
    Defect("PKL-010", "Wrong assortment in carton (size / colour ratio)", "packing_labelling", "major",
           {"zh": "装箱配比错误（尺码 / 颜色比例）", "vi": "Sai phối cỡ trong thùng (tỷ lệ cỡ / màu)"}),
    Defect("PKL-011", "Quantity per carton short or over", "packing_labelling", "major",
           {"zh": "每箱数量短装或超装", "vi": "Số lượng mỗi thùng thiếu hoặc thừa"}),
    Defect("PKL-012", "Carton damaged, wet or under-strength", "packing_labelling", "major",
           {"zh": "纸箱破损、受潮或强度不足", "vi": "Thùng hỏng, ướt hoặc không đủ độ chịu lực"}),
    Defect("PKL-013", "Carton dimensions or gross weight not per packing list", "packing_labelling", "minor",
           {"zh": "纸箱尺寸或毛重与装箱单不符", "vi": "Kích thước hoặc trọng lượng cả bì của thùng không đúng phiếu đóng gói"}),
    Defect("PKL-014", "Incorrect folding method", "packing_labelling", "minor",
           {"zh": "折叠方法错误", "vi": "Sai cách gấp"}),
    Defect("PKL-015", "Polybag wrong size or damaged", "packing_labelling", "minor",
           {"zh": "胶袋尺寸不对或破损", "vi": "Túi PE sai cỡ hoặc rách"}),
    Defect("PKL-016", "Hanger or size clip missing or wrong", "packing_labelling", "minor",
           {"zh": "衣架或尺码夹缺失或错误", "vi": "Thiếu hoặc sai móc treo / kẹp cỡ"}),

    # --- Other (safety, hygiene, lot conformity) -------------------------
    Defect("OTH-001", "Sharp point / broken needle found", "other", "critical",
           {"zh": "尖锐物 / 发现断针", "vi": "Vật sắc nhọn / phát hiện kim gãy"}),
    Defect("OTH-002", "Metal contamination (metal detector positive)", "other", "critical",
           {"zh": "金属污染（验针机报警）", "vi": "Nhiễm kim loại (máy dò kim báo)"}),
    Defect("OTH-003", "Mould", "other", "critical",
           {"zh": "霉变", "vi": "Nấm mốc"}),
    Defect("OTH-004", "Live or dead insect found", "other", "critical",
           {"zh": "发现活虫或死虫", "vi": "Phát hiện côn trùng sống hoặc chết"}),
    Defect("OTH-005", "Blood or bodily fluid stain", "other", "critical",
           {"zh": "血迹或体液污渍", "vi": "Vết máu hoặc dịch cơ thể"}),
    Defect("OTH-006", "Unpleasant odour (chemical or musty)", "other", "major",
           {"zh": "异味（化学味或霉味）", "vi": "Mùi khó chịu (hóa chất hoặc ẩm mốc)"}),
    Defect("OTH-007", "Wrong style or colourway in lot", "other", "major",
           {"zh": "批次中款式或颜色错误", "vi": "Sai mã hàng hoặc màu trong lô"}),
)


# ---------------------------------------------------------------------------
# 4. Seasons
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Season:
    code: str
    label: str
    year: int


SEASONS = (
    Season("SS26", "Spring/Summer 2026", 2026),
    Season("AW26", "Autumn/Winter 2026", 2026),
    Season("SS27", "Spring/Summer 2027", 2027),
)


# ---------------------------------------------------------------------------
# 5. Style templates
# ---------------------------------------------------------------------------

# Style numbers: "SL-<yy>-<seq>", e.g. "SL-26-1001". yy comes from the
# season year; seq starts at STYLE_NUMBER_START and counts up in template
# order, so numbers stay the same from one seed run to the next.
STYLE_NUMBER_FORMAT = "SL-{yy:02d}-{seq:04d}"
STYLE_NUMBER_START = 1001


@dataclass(frozen=True)
class StyleTemplate:
    name: str
    category: str  # PRODUCT_CATEGORIES code
    fabric: str
    colourways: tuple[str, ...]
    # A contiguous run of the category's size scale that includes its base size.
    sizes: tuple[str, ...]
    # Changes to the category's points of measure for this style:
    # (pom_code, base_cm, grade_cm), e.g. a long sleeve on a knit top.
    pom_overrides: tuple[tuple[str, float, float], ...] = ()
    # Points that don't apply to this style (e.g. sleeve length on a tank top).
    pom_omit: tuple[str, ...] = ()


_XS_XL = ("XS", "S", "M", "L", "XL")
_S_XXL = ("S", "M", "L", "XL", "XXL")
_W28_38 = ("28", "30", "32", "34", "36", "38")
_W30_40 = ("30", "32", "34", "36", "38", "40")
_EU34_44 = ("34", "36", "38", "40", "42", "44")
_KIDS = ("92", "98", "104", "110", "116", "122", "128")

# Long sleeves on knit tops replace the short-sleeve defaults.
_KNIT_LONG_SLEEVE = (("SLS", 63.0, 1.0), ("SLO", 9.5, 0.4))
_KIDS_LONG_SLEEVE = (("SLS", 37.0, 2.0), ("SLO", 8.0, 0.3))

STYLE_TEMPLATES = (
    # --- Knit tops -------------------------------------------------------
    StyleTemplate("Organic cotton crew-neck tee", "tops_knit",
                  "100% organic cotton single jersey, 180 g/m²",
                  ("Optic White", "Jet Black", "Grey Marl", "Navy", "Sage Green"), _XS_XL),
    StyleTemplate("Slub jersey V-neck tee", "tops_knit",
                  "100% cotton slub jersey, 150 g/m²",
                  ("Ecru", "Washed Black", "Dusty Blue"), _XS_XL),
    StyleTemplate("Piqué polo shirt", "tops_knit",
                  "100% cotton piqué, 220 g/m²",
                  ("White", "Navy", "Bottle Green", "Burgundy"), _S_XXL),
    StyleTemplate("Heavyweight boxy tee", "tops_knit",
                  "100% cotton jersey, 240 g/m²",
                  ("Off White", "Faded Black", "Stone"), _XS_XL,
                  pom_overrides=(("CHW", 58.0, 2.5), ("BLH", 70.0, 1.5))),
    StyleTemplate("Ribbed tank top", "tops_knit",
                  "95% cotton 5% elastane 1x1 rib, 200 g/m²",
                  ("White", "Black", "Oatmeal"), _XS_XL,
                  pom_omit=("SLS", "SLO")),
    StyleTemplate("Quick-dry training tee", "tops_knit",
                  "100% recycled polyester interlock, 140 g/m²",
                  ("Black", "Cobalt", "Volt Yellow"), _S_XXL),
    StyleTemplate("Long-sleeve waffle henley", "tops_knit",
                  "100% cotton waffle knit, 240 g/m²",
                  ("Ecru", "Charcoal Melange", "Olive Night"), _S_XXL,
                  pom_overrides=_KNIT_LONG_SLEEVE),
    StyleTemplate("Long-sleeve Breton stripe top", "tops_knit",
                  "100% cotton yarn-dyed stripe jersey, 190 g/m²",
                  ("Navy/Ecru", "Red/Ecru"), _XS_XL,
                  pom_overrides=_KNIT_LONG_SLEEVE),
    StyleTemplate("Brushed fleece crew sweatshirt", "tops_knit",
                  "80% cotton 20% polyester brushed-back fleece, 320 g/m²",
                  ("Grey Marl", "Navy", "Forest Green", "Oatmeal"), _S_XXL,
                  pom_overrides=_KNIT_LONG_SLEEVE),
    StyleTemplate("Zip-through hooded sweatshirt", "tops_knit",
                  "80% cotton 20% polyester loopback fleece, 300 g/m²",
                  ("Charcoal Melange", "Jet Black"), _S_XXL,
                  pom_overrides=_KNIT_LONG_SLEEVE),

    # --- Woven tops ------------------------------------------------------
    StyleTemplate("Oxford button-down shirt", "tops_woven",
                  "100% cotton oxford, 125 g/m²",
                  ("White", "Light Blue", "Pink", "Blue/White Stripe"), _S_XXL),
    StyleTemplate("Poplin dress shirt", "tops_woven",
                  "100% cotton two-ply poplin, 110 g/m²",
                  ("White", "Sky Blue"), _S_XXL),
    StyleTemplate("Chambray work shirt", "tops_woven",
                  "100% cotton chambray, 140 g/m²",
                  ("Light Indigo", "Mid Indigo"), _S_XXL),
    StyleTemplate("Brushed flannel check overshirt", "tops_woven",
                  "100% cotton brushed twill flannel, yarn-dyed check, 190 g/m²",
                  ("Red/Black Check", "Green/Navy Check"), _S_XXL),
    StyleTemplate("Linen camp-collar shirt", "tops_woven",
                  "100% linen, 150 g/m²",
                  ("Natural", "Terracotta", "Sage Green"), _S_XXL,
                  pom_overrides=(("SLV", 25.0, 0.5),), pom_omit=("CUF",)),
    StyleTemplate("Seersucker short-sleeve shirt", "tops_woven",
                  "100% cotton seersucker, 120 g/m²",
                  ("Blue/White Stripe", "Sand"), _S_XXL,
                  pom_overrides=(("SLV", 24.0, 0.5),), pom_omit=("CUF",)),
    StyleTemplate("Printed viscose blouse", "tops_woven",
                  "100% viscose crepe, 105 g/m²",
                  ("Ditsy Floral Navy", "Paisley Rust"), _XS_XL),

    # --- Denim bottoms ---------------------------------------------------
    StyleTemplate("Slim stretch denim jean", "bottoms_denim",
                  "98% cotton 2% elastane denim, 11.5 oz",
                  ("Rinse Wash", "Mid Stone Wash", "Light Vintage Wash", "Washed Black"), _W28_38),
    StyleTemplate("Straight-leg rigid selvedge jean", "bottoms_denim",
                  "100% cotton selvedge denim, 13.5 oz",
                  ("Raw Indigo", "One Wash"), _W28_38),
    StyleTemplate("Relaxed tapered jean", "bottoms_denim",
                  "99% cotton 1% elastane denim, 12 oz",
                  ("Mid Stone Wash", "Dark Used Wash"), _W30_40),
    StyleTemplate("Loose-fit carpenter jean", "bottoms_denim",
                  "100% cotton denim, 14 oz",
                  ("Bleached Indigo", "Ecru Denim"), _W30_40,
                  pom_overrides=(("THI", 33.0, 1.2), ("LEG", 22.0, 0.6))),
    StyleTemplate("Bootcut stretch jean", "bottoms_denim",
                  "92% cotton 6% polyester 2% elastane denim, 11 oz",
                  ("Dark Rinse", "Mid Blue Wash"), _W28_38,
                  pom_overrides=(("LEG", 23.0, 0.6),)),
    StyleTemplate("Denim five-pocket short", "bottoms_denim",
                  "99% cotton 1% elastane denim, 12 oz",
                  ("Light Vintage Wash", "Mid Stone Wash"), _W28_38,
                  pom_overrides=(("INS", 23.0, 0.0), ("LEG", 29.0, 1.0)), pom_omit=("KNE",)),

    # --- Woven bottoms ---------------------------------------------------
    StyleTemplate("Stretch cotton chino", "bottoms_woven",
                  "97% cotton 3% elastane twill, 270 g/m²",
                  ("Stone", "Navy", "Olive", "Camel"), _W28_38),
    StyleTemplate("Pleated wool-blend trouser", "bottoms_woven",
                  "54% polyester 44% wool 2% elastane, 240 g/m²",
                  ("Charcoal", "Navy", "Taupe"), _W30_40),
    StyleTemplate("Ripstop cargo trouser", "bottoms_woven",
                  "100% cotton ripstop, 230 g/m²",
                  ("Khaki", "Black", "Olive Night"), _W28_38),
    StyleTemplate("Drawstring linen-blend trouser", "bottoms_woven",
                  "55% linen 45% cotton, 190 g/m²",
                  ("Natural", "Navy"), _W28_38),
    StyleTemplate("Eight-wale corduroy five-pocket trouser", "bottoms_woven",
                  "100% cotton 8-wale corduroy, 320 g/m²",
                  ("Tobacco", "Bottle Green", "Ecru"), _W30_40),
    StyleTemplate("Chino short", "bottoms_woven",
                  "98% cotton 2% elastane twill, 250 g/m²",
                  ("Stone", "Navy", "Dusty Rose"), _W28_38,
                  pom_overrides=(("INS", 20.0, 0.0), ("LEG", 28.5, 1.0))),

    # --- Dresses ---------------------------------------------------------
    StyleTemplate("Viscose midi wrap dress", "dresses",
                  "100% viscose crepe, 120 g/m²",
                  ("Black", "Ditsy Floral Navy", "Emerald"), _EU34_44,
                  pom_omit=("ZIP",)),
    StyleTemplate("Cotton poplin shirt dress", "dresses",
                  "100% cotton poplin, 115 g/m²",
                  ("White", "Blue/White Stripe"), _EU34_44,
                  pom_omit=("ZIP",)),
    StyleTemplate("Jersey T-shirt dress", "dresses",
                  "95% cotton 5% elastane jersey, 200 g/m²",
                  ("Black", "Grey Marl", "Khaki"), _EU34_44,
                  pom_omit=("ZIP",)),
    StyleTemplate("Linen-blend sleeveless A-line dress", "dresses",
                  "70% linen 30% viscose, 170 g/m²",
                  ("Natural", "Terracotta"), _EU34_44),
    StyleTemplate("Tiered broderie anglaise maxi dress", "dresses",
                  "100% cotton broderie anglaise, lined with cotton voile",
                  ("Optic White", "Sky Blue"), _EU34_44,
                  pom_overrides=(("BLH", 135.0, 1.0), ("SWP", 95.0, 2.0))),
    StyleTemplate("Satin bias-cut slip dress", "dresses",
                  "100% recycled polyester satin, 95 g/m²",
                  ("Champagne", "Black", "Forest Green"), _EU34_44),

    # --- Outerwear -------------------------------------------------------
    StyleTemplate("Hooded recycled-down puffer jacket", "outerwear",
                  "Shell 100% recycled nylon ripstop; fill 90% down 10% feather",
                  ("Black", "Navy", "Moss Green"), _S_XXL),
    StyleTemplate("Waterproof hooded parka", "outerwear",
                  "2-layer polyester with PU membrane, fully taped seams",
                  ("Olive Night", "Black", "Sand"), _S_XXL,
                  pom_overrides=(("CBL", 90.0, 1.5),)),
    StyleTemplate("Quilted liner jacket", "outerwear",
                  "100% nylon shell, 80 g/m² polyester wadding",
                  ("Olive", "Navy"), _S_XXL,
                  pom_omit=("HOD",)),
    StyleTemplate("Wool-blend overcoat", "outerwear",
                  "60% wool 40% polyamide melton, viscose lining",
                  ("Camel", "Charcoal", "Navy"), _S_XXL,
                  pom_overrides=(("CBL", 100.0, 1.5),), pom_omit=("HOD", "ZIP")),
    StyleTemplate("Waxed cotton field jacket", "outerwear",
                  "100% cotton waxed canvas, cotton check lining",
                  ("Sage", "Navy"), _S_XXL,
                  pom_omit=("HOD",)),
    StyleTemplate("Softshell hiking jacket", "outerwear",
                  "94% polyester 6% elastane softshell bonded to microfleece",
                  ("Black", "Cobalt", "Rust"), _S_XXL),
    StyleTemplate("Denim trucker jacket", "outerwear",
                  "100% cotton denim, 12 oz",
                  ("Mid Stone Wash", "Rinse Wash"), _S_XXL,
                  pom_overrides=(("CBL", 66.0, 1.5),), pom_omit=("HOD", "ZIP")),

    # --- Knitwear --------------------------------------------------------
    StyleTemplate("Merino crew-neck sweater", "knitwear_sweaters",
                  "100% extra-fine merino wool, 12 gauge",
                  ("Navy", "Charcoal Melange", "Camel", "Burgundy"), _S_XXL),
    StyleTemplate("Cable-knit fisherman sweater", "knitwear_sweaters",
                  "100% wool, 5 gauge",
                  ("Ecru", "Navy"), _S_XXL,
                  pom_overrides=(("CHW", 57.0, 2.5),)),
    StyleTemplate("Cotton rib cardigan", "knitwear_sweaters",
                  "100% cotton, 7 gauge",
                  ("Oatmeal", "Forest Green"), _XS_XL),
    StyleTemplate("Lambswool V-neck pullover", "knitwear_sweaters",
                  "100% lambswool, 12 gauge",
                  ("Grey Melange", "Bottle Green", "Navy"), _S_XXL),
    StyleTemplate("Cashmere-blend roll-neck sweater", "knitwear_sweaters",
                  "70% wool 30% cashmere, 12 gauge",
                  ("Camel", "Black", "Oatmeal"), _XS_XL),
    StyleTemplate("Half-zip knitted pullover", "knitwear_sweaters",
                  "100% cotton, 7 gauge",
                  ("Navy", "Stone"), _S_XXL),

    # --- Activewear ------------------------------------------------------
    StyleTemplate("High-rise performance legging", "activewear",
                  "75% recycled polyamide 25% elastane interlock, 230 g/m²",
                  ("Black", "Deep Plum", "Storm Grey"), _XS_XL),
    StyleTemplate("7/8 training tight", "activewear",
                  "78% polyester 22% elastane, 220 g/m²",
                  ("Black", "Navy"), _XS_XL,
                  pom_overrides=(("INS", 60.0, 0.0),)),
    StyleTemplate("Cycling short 20 cm", "activewear",
                  "75% recycled polyamide 25% elastane, 230 g/m²",
                  ("Black", "Olive Night"), _XS_XL,
                  pom_overrides=(("INS", 20.0, 0.0), ("LEG", 22.0, 0.8))),
    StyleTemplate("Flared yoga pant", "activewear",
                  "80% polyamide 20% elastane brushed jersey, 250 g/m²",
                  ("Black", "Mocha"), _XS_XL,
                  pom_overrides=(("LEG", 24.0, 0.8),)),
    StyleTemplate("Tapered track jogger", "activewear",
                  "88% polyester 12% elastane double knit, 280 g/m²",
                  ("Black", "Charcoal", "Navy"), _S_XXL,
                  pom_overrides=(("INS", 74.0, 0.0), ("THI", 29.0, 1.2))),

    # --- Underwear -------------------------------------------------------
    StyleTemplate("Cotton stretch boxer brief", "underwear",
                  "95% cotton 5% elastane jersey, 180 g/m²",
                  ("Black", "Grey Marl", "Navy"), _S_XXL),
    StyleTemplate("Classic cotton brief", "underwear",
                  "100% cotton 1x1 rib, 170 g/m²",
                  ("White", "Black"), _S_XXL,
                  pom_omit=("SDL",)),
    StyleTemplate("Modal hipster brief", "underwear",
                  "92% modal 8% elastane jersey, 170 g/m²",
                  ("Nude", "Black", "Blush"), _XS_XL,
                  pom_omit=("SDL",)),
    StyleTemplate("Seamless bikini brief", "underwear",
                  "90% polyamide 10% elastane seamless knit",
                  ("Nude", "Black", "Ivory"), _XS_XL,
                  pom_omit=("SDL",)),
    StyleTemplate("Woven cotton boxer short", "underwear",
                  "100% cotton poplin, covered elastic waistband",
                  ("Blue/White Stripe", "Navy Check"), _S_XXL,
                  pom_overrides=(("SDL", 30.0, 0.8),)),
    StyleTemplate("Microfibre trunk", "underwear",
                  "82% polyamide 18% elastane microfibre",
                  ("Black", "Steel Blue"), _S_XXL),

    # --- Kidswear --------------------------------------------------------
    StyleTemplate("Kids organic cotton graphic tee", "kidswear",
                  "100% organic cotton single jersey, 160 g/m², water-based print",
                  ("White", "Sunshine Yellow", "Sky Blue"), _KIDS),
    StyleTemplate("Kids long-sleeve striped top", "kidswear",
                  "100% cotton yarn-dyed stripe jersey, 170 g/m²",
                  ("Navy/White", "Red/White"), _KIDS,
                  pom_overrides=_KIDS_LONG_SLEEVE),
    # No hood drawcord on purpose (EN 14682).
    StyleTemplate("Kids hooded zip-through sweatshirt", "kidswear",
                  "80% cotton 20% polyester fleece, 280 g/m²",
                  ("Grey Marl", "Forest Green"), _KIDS,
                  pom_overrides=_KIDS_LONG_SLEEVE),
    StyleTemplate("Kids piqué polo", "kidswear",
                  "100% cotton piqué, 200 g/m²",
                  ("White", "Navy"), _KIDS),
    StyleTemplate("Kids UPF 50+ rash guard", "kidswear",
                  "80% recycled polyamide 20% elastane, UPF 50+",
                  ("Turquoise", "Coral"), _KIDS,
                  pom_overrides=_KIDS_LONG_SLEEVE),
)


# ---------------------------------------------------------------------------
# 6. Points of measure
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurementPoint:
    code: str  # unique within the category
    description: str
    base_cm: float  # value for the category's base_size
    grade_cm: float  # change per step along the category's size scale
    tol_minus_cm: float
    tol_plus_cm: float


_MP = MeasurementPoint

# Widths measured "flat" are half-girths (garment laid flat, one layer).
# Inseams on jeans and trousers are not graded by waist size (length is a
# separate dimension), hence grade 0.
MEASUREMENT_POINTS = {
    "tops_knit": (
        _MP("CHW", "Chest width, 2.5 cm below armhole (flat)", 53.0, 2.5, 1.0, 1.0),
        _MP("BLH", "Body length from HPS", 72.0, 1.5, 1.0, 1.0),
        _MP("SHW", "Shoulder width, seam to seam", 46.0, 1.5, 0.8, 0.8),
        _MP("SLS", "Sleeve length from shoulder point", 21.0, 0.6, 0.5, 0.5),
        _MP("SLO", "Sleeve opening (flat)", 17.5, 0.6, 0.5, 0.5),
        _MP("HEM", "Bottom hem width (flat)", 52.0, 2.5, 1.0, 1.0),
        _MP("NKW", "Neck width, seam to seam", 18.5, 0.5, 0.5, 0.5),
        _MP("FND", "Front neck drop from HPS", 9.0, 0.3, 0.5, 0.5),
    ),
    "tops_woven": (
        _MP("CHW", "Chest width, 2.5 cm below armhole (flat)", 57.0, 2.5, 1.0, 1.0),
        _MP("CBL", "Centre back length from collar seam", 78.0, 1.0, 1.0, 1.0),
        _MP("SHY", "Across shoulder, point to point", 47.0, 1.2, 0.6, 0.6),
        _MP("SLV", "Sleeve length from shoulder point, incl. cuff", 64.0, 1.0, 1.0, 1.0),
        _MP("CUF", "Cuff length, button centre to end of buttonhole", 24.0, 0.5, 0.5, 0.5),
        _MP("COL", "Collar length, button centre to end of buttonhole", 41.0, 1.0, 0.5, 0.5),
        _MP("WAW", "Waist width (flat), 45 cm below HPS", 53.0, 2.5, 1.0, 1.0),
        _MP("HEM", "Bottom sweep (flat)", 56.0, 2.5, 1.0, 1.0),
    ),
    "bottoms_denim": (
        _MP("WST", "Waist relaxed, along top edge of waistband (flat)", 41.0, 2.5, 1.0, 1.0),
        _MP("HIP", "Hip width, 20 cm below top of waistband (flat)", 50.5, 2.5, 1.0, 1.0),
        _MP("FRS", "Front rise incl. waistband", 26.5, 0.6, 0.5, 0.5),
        _MP("BRS", "Back rise incl. waistband", 38.0, 0.9, 0.6, 0.6),
        _MP("INS", "Inseam", 81.0, 0.0, 1.0, 1.0),
        _MP("THI", "Thigh width, 2.5 cm below crotch (flat)", 29.0, 1.2, 0.6, 0.6),
        _MP("KNE", "Knee width, 33 cm below crotch (flat)", 19.5, 0.6, 0.5, 0.5),
        _MP("LEG", "Leg opening (flat)", 16.0, 0.5, 0.5, 0.5),
    ),
    "bottoms_woven": (
        _MP("WST", "Waist relaxed, along top edge of waistband (flat)", 42.0, 2.5, 1.0, 1.0),
        _MP("SEA", "Seat width, 18 cm below top of waistband (flat)", 52.0, 2.5, 1.0, 1.0),
        _MP("FRS", "Front rise incl. waistband", 27.0, 0.6, 0.5, 0.5),
        _MP("BRS", "Back rise incl. waistband", 39.0, 0.9, 0.6, 0.6),
        _MP("INS", "Inseam", 81.0, 0.0, 1.0, 1.0),
        _MP("THI", "Thigh width, 2.5 cm below crotch (flat)", 30.5, 1.2, 0.6, 0.6),
        _MP("LEG", "Leg opening (flat)", 19.5, 0.6, 0.5, 0.5),
        _MP("WBH", "Waistband height", 4.0, 0.0, 0.3, 0.3),
    ),
    "dresses": (
        _MP("BST", "Bust width, 2.5 cm below armhole (flat)", 46.0, 2.0, 1.0, 1.0),
        _MP("WAW", "Waist width at natural waist (flat)", 37.0, 2.0, 1.0, 1.0),
        _MP("HIP", "Hip width, 20 cm below waist (flat)", 49.0, 2.0, 1.0, 1.0),
        _MP("BLH", "Body length from HPS", 105.0, 1.0, 1.5, 1.5),
        _MP("SHW", "Across shoulder, point to point", 37.0, 1.0, 0.6, 0.6),
        _MP("ARM", "Armhole depth, straight", 20.0, 0.6, 0.5, 0.5),
        _MP("SWP", "Bottom sweep (flat)", 62.0, 2.0, 1.5, 1.5),
        _MP("ZIP", "Centre back invisible zip length", 56.0, 0.0, 0.5, 0.5),
    ),
    # Bulky constructions (down, wadding) get wider tolerances.
    "outerwear": (
        _MP("CHW", "Chest width, 2.5 cm below armhole (flat)", 62.0, 2.5, 1.5, 1.5),
        _MP("CBL", "Centre back length from collar seam", 80.0, 1.5, 1.5, 1.5),
        _MP("SHW", "Across shoulder, point to point", 49.0, 1.5, 1.0, 1.0),
        _MP("SLS", "Sleeve length from shoulder point", 66.0, 1.0, 1.0, 1.0),
        _MP("CUF", "Cuff opening, relaxed (flat)", 13.5, 0.5, 0.5, 0.5),
        _MP("HEM", "Bottom sweep (flat)", 60.0, 2.5, 1.5, 1.5),
        _MP("HOD", "Hood height from neck seam", 36.0, 0.5, 1.0, 1.0),
        _MP("ZIP", "Centre front zip length", 72.0, 1.5, 0.5, 0.5),
    ),
    "knitwear_sweaters": (
        _MP("CHW", "Chest width, 2.5 cm below armhole (flat)", 54.0, 2.5, 1.5, 1.5),
        _MP("BLH", "Body length from HPS", 68.0, 1.5, 1.5, 1.5),
        _MP("SLS", "Sleeve length from shoulder point", 63.0, 1.0, 1.5, 1.5),
        _MP("BWD", "Bottom width above rib (flat)", 48.0, 2.5, 1.5, 1.5),
        _MP("NKW", "Neck width, edge to edge", 19.0, 0.5, 0.5, 0.5),
        _MP("CRH", "Cuff rib height", 6.0, 0.0, 0.5, 0.5),
        _MP("BRH", "Bottom rib height", 6.0, 0.0, 0.5, 0.5),
    ),
    # Stretch fabrics: relaxed and extended waist are both checked.
    "activewear": (
        _MP("WSR", "Waist relaxed (flat)", 33.0, 2.5, 1.0, 1.0),
        _MP("WSX", "Waist extended (flat)", 48.0, 3.0, 1.5, 1.5),
        _MP("HIP", "Hip width, 20 cm below waist, relaxed (flat)", 40.0, 2.5, 1.0, 1.0),
        _MP("FRS", "Front rise incl. waistband", 24.0, 0.6, 0.5, 0.5),
        _MP("BRS", "Back rise incl. waistband", 34.0, 0.8, 0.5, 0.5),
        _MP("INS", "Inseam", 66.0, 0.0, 1.0, 1.0),
        _MP("THI", "Thigh width, 2.5 cm below crotch (flat)", 22.0, 1.2, 0.6, 0.6),
        _MP("LEG", "Leg opening (flat)", 10.0, 0.4, 0.5, 0.5),
    ),
    "underwear": (
        _MP("WSR", "Waist relaxed (flat)", 34.0, 2.5, 1.0, 1.0),
        _MP("WSX", "Waist extended (flat)", 46.0, 3.0, 1.5, 1.5),
        _MP("FRS", "Front rise incl. waistband", 22.0, 0.6, 0.5, 0.5),
        _MP("BRS", "Back rise incl. waistband", 26.0, 0.8, 0.5, 0.5),
        _MP("LGO", "Leg opening, relaxed, along edge", 25.0, 1.0, 0.5, 0.5),
        _MP("WBH", "Waistband height", 3.5, 0.0, 0.3, 0.3),
        _MP("GUW", "Gusset width", 6.5, 0.3, 0.3, 0.3),
        _MP("SDL", "Side length incl. waistband", 18.0, 0.5, 0.5, 0.5),
    ),
    "kidswear": (
        _MP("CHW", "Chest width, 1 cm below armhole (flat)", 33.0, 1.5, 0.8, 0.8),
        _MP("BLH", "Body length from HPS", 43.0, 2.0, 1.0, 1.0),
        _MP("SHW", "Shoulder width, seam to seam", 29.0, 1.0, 0.5, 0.5),
        _MP("SLS", "Sleeve length from shoulder point", 12.0, 0.5, 0.5, 0.5),
        _MP("SLO", "Sleeve opening (flat)", 11.5, 0.4, 0.5, 0.5),
        _MP("HEM", "Bottom hem width (flat)", 33.0, 1.5, 0.8, 0.8),
        # The neck must stretch over the child's head: only a minimum matters.
        _MP("NKS", "Neck opening, minimum stretched (circumference)", 52.0, 1.0, 0.0, 3.0),
    ),
}


# ---------------------------------------------------------------------------
# 7. Checklist templates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    code: str  # unique across all templates
    section: str  # documents / materials / production / workmanship / testing / packing
    text: str


_CI = ChecklistItem

# Common items per inspection type. CHECKLIST_CATEGORY_EXTRAS adds items
# for some categories; the seeder lists the common items first.
CHECKLIST_TEMPLATES = {
    "pre_production": (
        _CI("PP-001", "documents", "Approved sample / golden sample available and sealed"),
        _CI("PP-002", "documents", "Tech pack and measurement spec at current revision on file"),
        _CI("PP-003", "documents", "PP sample comments from buyer implemented"),
        _CI("PP-004", "materials", "Bulk fabric matches approved lab dip / shade band (D65 light box)"),
        _CI("PP-005", "materials", "Hand-feel and fabric weight match approved sample"),
        _CI("PP-006", "materials", "Fabric inspection report (4-point system) available and within limit"),
        _CI("PP-007", "testing", "Bulk fabric test report available (colour fastness, shrinkage, pilling)"),
        _CI("PP-008", "materials", "Bulk trims match approved trim card / BOM"),
        _CI("PP-009", "documents", "Care label content and placement per tech pack"),
        _CI("PP-010", "production", "Cut panels shade-lotted; no mixing of dye lots within a garment"),
        _CI("PP-011", "production", "Patterns adjusted for bulk fabric shrinkage"),
        _CI("PP-012", "production", "Size set measured against spec; results within tolerance"),
        _CI("PP-013", "production", "Machine settings, needle size and stitch density per spec"),
        _CI("PP-014", "production", "Needle control procedure and broken-needle log in place"),
        _CI("PP-015", "production", "Line allocated and production start date confirmed against T&A"),
    ),
    "inline": (
        _CI("IL-001", "documents", "Approved sample / golden sample available on the line"),
        _CI("IL-002", "production", "Quantities cut, sewn and finished recorded"),
        _CI("IL-003", "production", "Corrective actions from previous inspection closed"),
        _CI("IL-004", "production", "End-of-line QC records reviewed; defect rate within target"),
        _CI("IL-005", "production", "Needle control log up to date; broken needle parts accounted for"),
        _CI("IL-006", "materials", "No shade variation between bundles in the same garment"),
        _CI("IL-007", "materials", "Hand-feel matches approved sample"),
        _CI("IL-008", "materials", "Trims attached per BOM and approved trim card"),
        _CI("IL-009", "workmanship", "Workmanship checked at sewing line on random pieces"),
        _CI("IL-010", "workmanship", "Pressing and finishing per approved sample"),
        _CI("IL-011", "workmanship", "Measurements checked on random pieces per size"),
        _CI("IL-012", "testing", "Function check of closures (zips, buttons, snaps)"),
    ),
    "final": (
        _CI("FI-001", "documents", "Approved sample / golden sample available"),
        # Usual pre-shipment rule: 100% produced, at least 80% packed.
        _CI("FI-002", "production", "Order 100% produced and at least 80% packed"),
        _CI("FI-003", "packing", "Shipment quantity per style/colour/size matches PO"),
        _CI("FI-004", "packing", "Carton dimensions and weight per packing list"),
        _CI("FI-005", "packing", "Assortment per carton per packing list"),
        _CI("FI-006", "packing", "Shipping marks and carton labels per buyer manual"),
        _CI("FI-007", "testing", "Carton drop test passed"),
        _CI("FI-008", "testing", "Barcode scans correctly (hangtag, polybag, carton)"),
        _CI("FI-009", "documents", "Metal detection certificate available (100% of goods passed)"),
        _CI("FI-010", "packing", "Care, size, fibre content and country of origin labels correct"),
        _CI("FI-011", "packing", "Polybag suffocation warning present and legible"),
        _CI("FI-012", "materials", "Colour matches approved shade band"),
        _CI("FI-013", "materials", "Hand-feel matches approved sample"),
        _CI("FI-014", "testing", "Moisture content of garments and cartons within buyer limit"),
        _CI("FI-015", "testing", "Function check of zips, buttons, snaps and closures"),
        _CI("FI-016", "workmanship", "Measurement check on sample pieces per size and colour"),
        _CI("FI-017", "workmanship", "Visual inspection of sample size per AQL plan"),
    ),
}

CHECKLIST_CATEGORY_EXTRAS = {
    "pre_production": {
        "bottoms_denim": (
            _CI("PP-D01", "materials", "Bulk wash approved against wash standard; wash recipe on file"),
        ),
        "outerwear": (
            _CI("PP-O01", "materials", "Down/fill certificate (fill power, RDS or equivalent) available"),
            _CI("PP-O02", "testing", "Membrane and seam-tape test report available"),
        ),
        "knitwear_sweaters": (
            _CI("PP-K01", "materials", "Yarn count and gauge per approved sample"),
        ),
        "kidswear": (
            _CI("PP-C01", "testing", "Trims and prints tested to children's safety standards"),
            _CI("PP-C02", "documents", "No drawcords in hood or neck area (EN 14682)"),
        ),
        "underwear": (
            _CI("PP-U01", "materials", "Elastic tension and recovery per spec"),
        ),
    },
    "inline": {
        "tops_knit": (
            _CI("IL-T01", "workmanship", "Neckline recovers after stretching; neck tape flat"),
        ),
        "tops_woven": (
            _CI("IL-W01", "workmanship", "Collar and cuff fusing bonded; no bubbling"),
            _CI("IL-W02", "workmanship", "Stripes and checks matched at front, pockets and yoke"),
        ),
        "bottoms_denim": (
            _CI("IL-D01", "testing", "Rivets and shank buttons pass pull test"),
        ),
        "bottoms_woven": (
            _CI("IL-B01", "workmanship", "Pocket bags bartacked and closed per spec"),
        ),
        "dresses": (
            _CI("IL-R01", "workmanship", "Lining hangs free and is shorter than shell per spec"),
        ),
        "outerwear": (
            _CI("IL-O01", "workmanship", "Down/fill weight per panel checked on scale"),
            _CI("IL-O02", "workmanship", "Seam-sealing tape fully adhered, no lifting"),
        ),
        "knitwear_sweaters": (
            _CI("IL-K01", "workmanship", "Linking even; no dropped stitches at linking line"),
        ),
        "activewear": (
            _CI("IL-A01", "workmanship", "Flatlock / coverstitch seams flat and fully caught"),
        ),
        "kidswear": (
            _CI("IL-C01", "testing", "Pull test on buttons and snaps (typically 90 N for 10 s)"),
        ),
    },
    "final": {
        "tops_knit": (
            _CI("FI-T01", "testing", "Spirality after wash within tolerance"),
        ),
        "bottoms_denim": (
            _CI("FI-D01", "materials", "Wash effect matches approved wash standard"),
            _CI("FI-D02", "testing", "Leg twist after wash within tolerance"),
        ),
        "outerwear": (
            _CI("FI-O01", "testing", "Water repellency spray test per buyer method"),
        ),
        "activewear": (
            _CI("FI-A01", "testing", "Stretch and recovery check on waistband"),
        ),
        "underwear": (
            _CI("FI-U01", "packing", "Hygiene: packed in sealed packaging, inspection area clean"),
        ),
        "kidswear": (
            _CI("FI-C01", "testing", "Pull test on buttons and snaps (typically 90 N for 10 s)"),
            _CI("FI-C02", "testing", "No sharp points, sharp edges or detachable small parts"),
            _CI("FI-C03", "documents", "No drawcords in hood or neck area (EN 14682)"),
        ),
    },
}


# ---------------------------------------------------------------------------
# 8. AQL defaults
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AqlSetting:
    inspection_level: str  # one of INSPECTION_LEVELS
    # AQL per defect class as decimal strings. "0" = zero tolerance: not an
    # ISO 2859-1 value, but the usual industry rule for critical defects
    # (any critical found rejects the lot).
    critical: str
    major: str
    minor: str


# Industry standard for apparel: level II, 0 / 2.5 / 4.0.
DEFAULT_AQL = AqlSetting("II", "0", "2.5", "4.0")

# Pre-production checks look at first pieces and materials, so a special
# level (S-3) gives the small sample they need.
_STANDARD = {
    "pre_production": AqlSetting("S-3", "0", "2.5", "4.0"),
    "inline": AqlSetting("II", "0", "2.5", "4.0"),
    "final": DEFAULT_AQL,
}

# Stricter for garments worn next to the skin and for children's wear.
_STRICT_INTIMATE = {
    "pre_production": AqlSetting("S-3", "0", "1.5", "4.0"),
    "inline": AqlSetting("II", "0", "1.5", "4.0"),
    "final": AqlSetting("II", "0", "1.5", "4.0"),
}
_STRICT_KIDS = {
    "pre_production": AqlSetting("S-3", "0", "1.5", "2.5"),
    "inline": AqlSetting("II", "0", "1.5", "2.5"),
    "final": AqlSetting("II", "0", "1.5", "2.5"),
}

AQL_DEFAULTS = {
    "tops_knit": _STANDARD,
    "tops_woven": _STANDARD,
    "bottoms_denim": _STANDARD,
    "bottoms_woven": _STANDARD,
    "dresses": _STANDARD,
    "outerwear": _STANDARD,
    "knitwear_sweaters": _STANDARD,
    "activewear": _STANDARD,
    "underwear": _STRICT_INTIMATE,
    "kidswear": _STRICT_KIDS,
}


# ---------------------------------------------------------------------------
# 9. Delay reasons
# ---------------------------------------------------------------------------

# (code, label): the usual causes of a missed ex-factory date.
DELAY_REASONS = (
    ("late_fabric", "Late fabric delivery"),
    ("late_trims", "Late trims or accessories delivery"),
    ("sample_approval_pending", "Sample approval pending (PP / size set re-approval)"),
    ("quality_rework", "Quality rejection or rework"),
    ("capacity", "Factory capacity or line allocation"),
    ("shipping", "Shipping / vessel or container delay"),
    ("other", "Other"),
)


# ---------------------------------------------------------------------------
# 10. Currencies and unit prices
# ---------------------------------------------------------------------------

CURRENCIES = ("USD", "EUR")

# Typical FOB unit price ranges per piece, (low, high). USD prices are for
# Asian factories, EUR prices for near-shore ones (Turkey, Portugal), which
# cost more.
UNIT_PRICE_RANGES = {
    "tops_knit": {"USD": ("2.80", "8.50"), "EUR": ("4.50", "13.00")},
    "tops_woven": {"USD": ("6.00", "14.00"), "EUR": ("9.50", "22.00")},
    "bottoms_denim": {"USD": ("7.50", "16.00"), "EUR": ("11.00", "24.00")},
    "bottoms_woven": {"USD": ("6.50", "14.00"), "EUR": ("10.00", "21.00")},
    "dresses": {"USD": ("7.00", "22.00"), "EUR": ("12.00", "35.00")},
    "outerwear": {"USD": ("18.00", "65.00"), "EUR": ("28.00", "90.00")},
    "knitwear_sweaters": {"USD": ("7.50", "28.00"), "EUR": ("12.00", "45.00")},
    "activewear": {"USD": ("5.50", "14.00"), "EUR": ("8.00", "20.00")},
    "underwear": {"USD": ("1.20", "4.50"), "EUR": ("2.20", "7.00")},
    "kidswear": {"USD": ("2.20", "7.50"), "EUR": ("3.80", "12.00")},
}
