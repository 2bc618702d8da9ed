"""Riverton's departments and service catalogue, as data.

Edit freely: the builder turns these into ``Department``, ``Service`` and
``ServiceAttribute`` rows. Each text has its Spanish twin next to it. ``weight`` on a
choice and ``answer_rate``/``examples``/``number_range``/``hours_before`` on an attribute
only say how the demo's residents answer; they are not stored.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    email: str


DEPARTMENTS: tuple[Department, ...] = (
    Department("PW", "Public Works", "publicworks@riverton.example"),
    Department("SAN", "Sanitation", "sanitation@riverton.example"),
    Department("TRN", "Transportation", "transportation@riverton.example"),
    Department("PRK", "Parks & Recreation", "parks@riverton.example"),
    Department("WAT", "Water & Sewer", "water@riverton.example"),
    Department("CODE", "Code Enforcement", "codes@riverton.example"),
    Department("PD", "Police non-emergency", "police.nonemergency@riverton.example"),
    Department("HEALTH", "Health Department", "health@riverton.example"),
    Department("HS", "Human Services", "humanservices@riverton.example"),
    Department("ANIMAL", "Animal Services", "animals@riverton.example"),
    Department("311", "311 Contact Centre", "311@riverton.example"),
)

GROUPS_ES: dict[str, str] = {
    "Streets": "Calles",
    "Sanitation": "Basura y reciclaje",
    "Parks": "Parques",
    "Water": "Agua",
    "Safety & Nuisance": "Seguridad y molestias",
    "Social services": "Servicios sociales",
    "General": "General",
}


@dataclass(frozen=True)
class Choice:
    key: str
    name: str
    es: str
    weight: float = 1.0


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str
    es: str
    required: bool = False
    variable: bool = True
    values: tuple[Choice, ...] = ()
    datatype_description: str = ""
    es_datatype_description: str = ""
    answer_rate: float = 0.5
    examples: tuple[str, ...] = ()
    number_range: tuple[float, float] = (1, 10)
    hours_before: float = 24.0


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    es_name: str
    description: str
    es_description: str
    group: str
    department: str
    keywords: tuple[str, ...]
    es_keywords: tuple[str, ...] = ()
    notice: str = ""
    es_notice: str = ""
    sensitive: bool = False
    anonymous: bool = True
    attributes: tuple[Attribute, ...] = ()


YES_NO = (Choice("yes", "Yes", "Sí"), Choice("no", "No", "No"))
WEEKDAYS = (
    Choice("monday", "Monday", "Lunes"),
    Choice("tuesday", "Tuesday", "Martes"),
    Choice("wednesday", "Wednesday", "Miércoles"),
    Choice("thursday", "Thursday", "Jueves"),
    Choice("friday", "Friday", "Viernes"),
)
PLATE_STATES = (
    Choice("PA", "Pennsylvania", "Pensilvania", 6),
    Choice("NJ", "New Jersey", "Nueva Jersey", 2),
    Choice("DE", "Delaware", "Delaware", 0.6),
    Choice("NY", "New York", "Nueva York", 0.6),
    Choice("other", "Another state", "Otro estado", 0.4),
    Choice("none", "No plate", "Sin placa", 1),
)
ISO = "Date and time, e.g. 2026-03-14T08:30:00-04:00"
ISO_ES = "Fecha y hora, p. ej. 2026-03-14T08:30:00-04:00"

SERVICES: tuple[ServiceSpec, ...] = (
    # --- Streets -----------------------------------------------------------------------
    ServiceSpec(
        "POTHOLE",
        "Pothole",
        "Bache",
        "A hole or sunken patch in the road surface.",
        "Un hoyo o hundimiento en el pavimento de la calle.",
        "Streets",
        "PW",
        (
            "pothole",
            "hole in road",
            "hole in the street",
            "road damage",
            "crater",
            "bump",
            "sinkhole",
            "asphalt",
            "tyre damage",
            "tire",
        ),
        ("bache", "hoyo", "hueco", "calle rota", "pavimento"),
        notice="Most potholes are patched within a week; more at the end of winter.",
        es_notice="La mayoría de los baches se reparan en una semana; más al final del invierno.",
        attributes=(
            Attribute(
                "SIZE",
                "singlevaluelist",
                "How big is it?",
                "¿De qué tamaño es?",
                required=True,
                values=(
                    Choice("small", "Smaller than a dinner plate", "Más pequeño que un plato", 4),
                    Choice("medium", "About the size of a car tyre", "Del tamaño de una llanta", 4),
                    Choice("large", "Larger than a car tyre", "Más grande que una llanta", 2),
                ),
            ),
            Attribute(
                "WHERE_IN_ROAD",
                "multivaluelist",
                "Where in the road is it?",
                "¿En qué parte de la calle está?",
                values=(
                    Choice("travel_lane", "Travel lane", "Carril de circulación", 6),
                    Choice("bike_lane", "Bike lane", "Ciclovía", 1),
                    Choice("crosswalk", "Crosswalk", "Cruce peatonal", 1),
                    Choice("gutter", "Gutter or curb", "Cuneta o bordillo", 2),
                ),
                answer_rate=0.6,
            ),
            Attribute(
                "DEPTH_CM",
                "number",
                "About how deep is it, in centimetres?",
                "¿Qué profundidad tiene, aproximadamente, en centímetros?",
                datatype_description="A whole number, e.g. 8",
                es_datatype_description="Un número entero, p. ej. 8",
                answer_rate=0.35,
                number_range=(3, 25),
            ),
            Attribute(
                "DAMAGE_CLAIMS",
                "string",
                "If a pothole damaged your vehicle, you can file a claim with the City "
                "Solicitor at riverton.example/claims.",
                "Si un bache dañó su vehículo, puede presentar un reclamo ante la Procuraduría "
                "de la Ciudad en riverton.example/claims.",
                variable=False,
            ),
        ),
    ),
    ServiceSpec(
        "STREETLIGHT",
        "Streetlight out",
        "Alumbrado público apagado",
        "A streetlight that is out, flickering, on during the day or damaged.",
        "Una luz de la calle apagada, parpadeando, encendida de día o dañada.",
        "Streets",
        "TRN",
        (
            "streetlight",
            "street light",
            "lamp post",
            "light out",
            "dark street",
            "flickering",
            "lamppost",
            "light pole",
        ),
        ("farola", "luz de la calle", "poste de luz", "alumbrado", "calle oscura"),
        attributes=(
            Attribute(
                "PROBLEM",
                "singlevaluelist",
                "What is wrong with the light?",
                "¿Qué problema tiene la luz?",
                required=True,
                values=(
                    Choice("out", "Light is out", "La luz está apagada", 7),
                    Choice("flickering", "Flickering or cycling", "Parpadea", 2),
                    Choice("day_burner", "On during the day", "Encendida de día", 1),
                    Choice(
                        "damaged_pole",
                        "Pole damaged or knocked down",
                        "Poste dañado o derribado",
                        0.5,
                    ),
                    Choice(
                        "exposed_wires",
                        "Exposed wires or open hand hole",
                        "Cables expuestos o tapa abierta",
                        0.3,
                    ),
                ),
            ),
            Attribute(
                "POLE_NUMBER",
                "string",
                "Pole number (on the metal tag, e.g. RL-04512)",
                "Número del poste (en la placa metálica, p. ej. RL-04512)",
                answer_rate=0.3,
                examples=("RL-{n5}",),
            ),
            Attribute(
                "LIGHTS_OUT",
                "number",
                "How many lights in a row are out?",
                "¿Cuántas luces seguidas están apagadas?",
                answer_rate=0.4,
                number_range=(1, 6),
            ),
        ),
    ),
    ServiceSpec(
        "SIDEWALK",
        "Sidewalk or curb ramp damaged",
        "Acera o rampa dañada",
        "Broken, lifted or missing sidewalk, or a damaged or missing curb ramp.",
        "Acera rota, levantada o inexistente, o rampa de acceso dañada o inexistente.",
        "Streets",
        "PW",
        (
            "sidewalk",
            "pavement",
            "trip hazard",
            "curb ramp",
            "uneven sidewalk",
            "broken sidewalk",
            "wheelchair",
            "accessibility",
            "footpath",
        ),
        ("acera", "banqueta", "vereda", "rampa", "tropiezo", "silla de ruedas"),
        notice="Sidewalk repairs are scheduled in batches; we will tell you the date.",
        es_notice="Las reparaciones de aceras se programan por lotes; le avisaremos la fecha.",
        attributes=(
            Attribute(
                "PROBLEM",
                "singlevaluelist",
                "What is the problem?",
                "¿Cuál es el problema?",
                required=True,
                values=(
                    Choice("uneven", "Cracked or uneven", "Agrietada o desnivelada", 6),
                    Choice("missing", "Missing section", "Falta un tramo", 1),
                    Choice("blocked", "Blocked by an object", "Bloqueada por un objeto", 1),
                    Choice(
                        "curb_ramp", "Curb ramp damaged or missing", "Rampa dañada o inexistente", 2
                    ),
                ),
            ),
            Attribute(
                "CAUSE",
                "singlevaluelist",
                "What seems to have caused it?",
                "¿Qué parece haberlo causado?",
                answer_rate=0.5,
                values=(
                    Choice("tree_roots", "Tree roots", "Raíces de árbol", 4),
                    Choice("utility_work", "Utility work", "Obras de servicios públicos", 2),
                    Choice("unknown", "Don't know", "No sé", 3),
                ),
            ),
            Attribute(
                "HEIGHT_CM",
                "number",
                "How high is the lip or step, in centimetres?",
                "¿Qué altura tiene el desnivel, en centímetros?",
                answer_rate=0.3,
                number_range=(2, 12),
            ),
        ),
    ),
    ServiceSpec(
        "TRAFFIC_SIGNAL",
        "Traffic signal problem",
        "Problema con un semáforo",
        "A traffic or pedestrian signal that is dark, stuck, flashing or mistimed.",
        "Un semáforo vehicular o peatonal apagado, trabado, intermitente o mal sincronizado.",
        "Streets",
        "TRN",
        (
            "traffic light",
            "traffic signal",
            "signal out",
            "stop light",
            "stoplight",
            "walk signal",
            "pedestrian signal",
            "flashing red",
        ),
        ("semáforo", "luz de tráfico", "señal peatonal"),
        notice="If a signal is dark at a busy intersection, also call 911.",
        es_notice="Si un semáforo está apagado en un cruce con mucho tránsito, "
        "llame también al 911.",
        attributes=(
            Attribute(
                "PROBLEM",
                "singlevaluelist",
                "What is the signal doing?",
                "¿Qué está haciendo el semáforo?",
                required=True,
                values=(
                    Choice("dark", "All lights dark", "Todas las luces apagadas", 2),
                    Choice("stuck", "Stuck on one colour", "Trabado en un color", 2),
                    Choice("flashing", "Flashing", "Intermitente", 2),
                    Choice("bulb_out", "One bulb out", "Una luz fundida", 3),
                    Choice(
                        "pedestrian",
                        "Walk signal or button broken",
                        "Señal o botón peatonal roto",
                        2,
                    ),
                    Choice("timing", "Timing seems wrong", "La sincronización parece mal", 1),
                ),
            ),
            Attribute(
                "INTERSECTION",
                "string",
                "Cross streets",
                "Calles del cruce",
                required=True,
                examples=("{cross}",),
            ),
            Attribute(
                "DIRECTIONS",
                "multivaluelist",
                "Which directions are affected?",
                "¿Qué sentidos están afectados?",
                answer_rate=0.4,
                values=(
                    Choice("nb", "Northbound", "Hacia el norte"),
                    Choice("sb", "Southbound", "Hacia el sur"),
                    Choice("eb", "Eastbound", "Hacia el este"),
                    Choice("wb", "Westbound", "Hacia el oeste"),
                ),
            ),
        ),
    ),
    ServiceSpec(
        "STREET_SIGN",
        "Street sign damaged or missing",
        "Señal de tránsito dañada o faltante",
        "A stop, street-name, speed-limit or parking sign that is down, missing or unreadable.",
        "Una señal de alto, de nombre de calle, de velocidad o de estacionamiento caída, "
        "faltante o ilegible.",
        "Streets",
        "TRN",
        (
            "street sign",
            "stop sign",
            "sign down",
            "missing sign",
            "road sign",
            "yield sign",
            "speed limit sign",
            "bent sign",
        ),
        ("señal", "letrero", "señal de alto", "pare"),
        attributes=(
            Attribute(
                "SIGN_TYPE",
                "singlevaluelist",
                "What kind of sign?",
                "¿Qué tipo de señal?",
                required=True,
                values=(
                    Choice("stop", "Stop sign", "Señal de alto", 3),
                    Choice("yield", "Yield sign", "Ceda el paso", 1),
                    Choice("street_name", "Street name sign", "Nombre de calle", 3),
                    Choice("speed", "Speed limit", "Límite de velocidad", 1),
                    Choice("parking", "Parking sign", "Estacionamiento", 2),
                    Choice("other", "Other", "Otra", 1),
                ),
            ),
            Attribute(
                "PROBLEM",
                "singlevaluelist",
                "What happened to it?",
                "¿Qué le pasó?",
                required=True,
                values=(
                    Choice("down", "Knocked down", "Derribada", 3),
                    Choice("missing", "Missing", "Falta", 2),
                    Choice("damaged", "Bent or damaged", "Doblada o dañada", 3),
                    Choice("faded", "Faded or unreadable", "Descolorida o ilegible", 1),
                    Choice("blocked", "Hidden by a tree", "Tapada por un árbol", 1),
                ),
            ),
        ),
    ),
    ServiceSpec(
        "SNOW_ICE",
        "Snow or ice",
        "Nieve o hielo",
        "Unplowed streets, unshovelled sidewalks, icy patches or plow damage.",
        "Calles sin despejar, aceras sin palear, placas de hielo o daños de quitanieves.",
        "Streets",
        "PW",
        (
            "snow",
            "ice",
            "plow",
            "plough",
            "unplowed",
            "icy",
            "slippery",
            "sidewalk not shoveled",
            "snow removal",
            "salt",
        ),
        ("nieve", "hielo", "quitanieves", "resbaloso", "sal"),
        notice="During a snow emergency, main roads are plowed first, then side streets.",
        es_notice="Durante una emergencia de nieve se despejan primero las avenidas y luego "
        "las calles secundarias.",
        attributes=(
            Attribute(
                "PROBLEM",
                "singlevaluelist",
                "What is the problem?",
                "¿Cuál es el problema?",
                required=True,
                values=(
                    Choice("street_unplowed", "Street not plowed", "Calle sin despejar", 5),
                    Choice("sidewalk_unshoveled", "Sidewalk not shovelled", "Acera sin palear", 3),
                    Choice("ice", "Icy patch", "Placa de hielo", 2),
                    Choice(
                        "plow_damage", "Damage from a plow", "Daño causado por quitanieves", 0.5
                    ),
                    Choice(
                        "blocked_ramp",
                        "Curb ramp or hydrant buried",
                        "Rampa o hidrante enterrado",
                        1,
                    ),
                ),
            ),
            Attribute(
                "STREET_TYPE",
                "singlevaluelist",
                "What kind of street?",
                "¿Qué tipo de calle?",
                answer_rate=0.5,
                values=(
                    Choice("main", "Main road", "Avenida principal", 2),
                    Choice("side", "Side street", "Calle secundaria", 5),
                    Choice("alley", "Alley", "Callejón", 1),
                ),
            ),
        ),
    ),
    ServiceSpec(
        "ILLEGAL_PARKING",
        "Illegal parking",
        "Estacionamiento ilegal",
        "A vehicle blocking a driveway, hydrant, bike lane or crosswalk, or parked illegally.",
        "Un vehículo que bloquea una entrada, hidrante, ciclovía o cruce, o estacionado "
        "ilegalmente.",
        "Safety & Nuisance",
        "TRN",
        (
            "illegal parking",
            "blocked driveway",
            "parked car",
            "double parked",
            "hydrant",
            "bike lane",
            "parking enforcement",
            "towing",
        ),
        ("estacionamiento", "carro mal estacionado", "entrada bloqueada", "grúa"),
        attributes=(
            Attribute(
                "PROBLEM",
                "singlevaluelist",
                "What is the vehicle doing?",
                "¿Qué está haciendo el vehículo?",
                required=True,
                values=(
                    Choice("driveway", "Blocking a driveway", "Bloquea una entrada", 5),
                    Choice("hydrant", "At a fire hydrant", "Junto a un hidrante", 1),
                    Choice("double", "Double parked", "Estacionado en doble fila", 2),
                    Choice("bike_lane", "In a bike lane", "En la ciclovía", 2),
                    Choice("crosswalk", "On a crosswalk or corner", "En el cruce o la esquina", 1),
                    Choice(
                        "accessible",
                        "In an accessible space without a permit",
                        "En plaza para discapacitados sin permiso",
                        1,
                    ),
                ),
            ),
            Attribute(
                "PLATE",
                "string",
                "Licence plate, if you can see it",
                "Placa del vehículo, si la puede ver",
                answer_rate=0.5,
                examples=("{plate}",),
            ),
        ),
    ),
    ServiceSpec(
        "ABANDONED_VEHICLE",
        "Abandoned vehicle",
        "Vehículo abandonado",
        "A vehicle that has not moved for weeks, has no plates or is wrecked.",
        "Un vehículo que no se ha movido en semanas, sin placas o destrozado.",
        "Safety & Nuisance",
        "PD",
        (
            "abandoned car",
            "abandoned vehicle",
            "junk car",
            "no plates",
            "wrecked car",
            "car not moved",
            "derelict vehicle",
        ),
        ("carro abandonado", "vehículo abandonado", "auto abandonado", "sin placas"),
        attributes=(
            Attribute(
                "MAKE_MODEL",
                "string",
                "Make and model",
                "Marca y modelo",
                answer_rate=0.7,
                examples=(
                    "Honda Civic",
                    "Toyota Camry",
                    "Ford Taurus",
                    "Chevy Malibu",
                    "Nissan Altima",
                    "Dodge Caravan",
                    "Jeep Cherokee",
                    "VW Jetta",
                ),
            ),
            Attribute(
                "COLOUR",
                "string",
                "Colour",
                "Color",
                answer_rate=0.7,
                examples=("silver", "black", "white", "grey", "red", "blue", "green"),
            ),
            Attribute(
                "PLATE",
                "string",
                "Licence plate",
                "Placa",
                answer_rate=0.5,
                examples=("{plate}",),
            ),
            Attribute(
                "PLATE_STATE",
                "singlevaluelist",
                "Plate state",
                "Estado de la placa",
                answer_rate=0.6,
                values=PLATE_STATES,
            ),
            Attribute(
                "PARKED_SINCE",
                "datetime",
                "Since when has it been parked there?",
                "¿Desde cuándo está estacionado allí?",
                required=True,
                datatype_description=ISO,
                es_datatype_description=ISO_ES,
                hours_before=24 * 20,
            ),
        ),
    ),
    # --- Sanitation --------------------------------------------------------------------
    ServiceSpec(
        "MISSED_TRASH",
        "Missed trash collection",
        "Recolección de basura omitida",
        "Your trash was not collected on your collection day.",
        "No recogieron su basura el día de recolección.",
        "Sanitation",
        "SAN",
        (
            "trash",
            "garbage",
            "bins",
            "missed pickup",
            "missed collection",
            "rubbish",
            "refuse",
            "trash not picked up",
            "garbage truck",
            "wheelie bin",
        ),
        ("basura", "recolección", "no recogieron", "contenedor", "bote de basura"),
        notice="In holiday weeks, collection runs one day late.",
        es_notice="En las semanas con feriado, la recolección se atrasa un día.",
        anonymous=True,
        attributes=(
            Attribute(
                "COLLECTION_DAY",
                "singlevaluelist",
                "What is your collection day?",
                "¿Cuál es su día de recolección?",
                required=True,
                values=WEEKDAYS,
            ),
            Attribute(
                "OUT_BY_6AM",
                "singlevaluelist",
                "Was the trash at the curb by 6 a.m.?",
                "¿Sacó la basura a la acera antes de las 6 a. m.?",
                required=True,
                values=(Choice("yes", "Yes", "Sí", 9), Choice("no", "No", "No", 1)),
            ),
            Attribute(
                "HOLIDAY_NOTICE",
                "string",
                "Collection runs one day late in weeks with a city holiday.",
                "La recolección se atrasa un día en las semanas con un feriado municipal.",
                variable=False,
            ),
        ),
    ),
    ServiceSpec(
        "MISSED_RECYCLING",
        "Missed recycling collection",
        "Recolección de reciclaje omitida",
        "Your recycling was not collected on your collection day.",
        "No recogieron su reciclaje el día de recolección.",
        "Sanitation",
        "SAN",
        ("recycling", "recycle", "blue bin", "missed recycling", "cardboard", "bottles", "cans"),
        ("reciclaje", "reciclar", "contenedor azul", "cartón"),
        attributes=(
            Attribute(
                "COLLECTION_DAY",
                "singlevaluelist",
                "What is your collection day?",
                "¿Cuál es su día de recolección?",
                required=True,
                values=WEEKDAYS,
            ),
            Attribute(
                "MATERIALS",
                "multivaluelist",
                "What was left behind?",
                "¿Qué quedó sin recoger?",
                answer_rate=0.5,
                values=(
                    Choice("paper", "Paper", "Papel", 3),
                    Choice("cardboard", "Cardboard", "Cartón", 4),
                    Choice(
                        "plastic", "Plastic bottles and tubs", "Botellas y envases de plástico", 3
                    ),
                    Choice("glass", "Glass", "Vidrio", 2),
                    Choice("metal", "Cans", "Latas", 2),
                ),
            ),
        ),
    ),
    ServiceSpec(
        "BULKY_ITEM",
        "Bulky item pickup",
        "Recolección de objetos voluminosos",
        "Book a pickup of furniture, mattresses, appliances and other large items.",
        "Solicite la recolección de muebles, colchones, electrodomésticos y otros objetos grandes.",
        "Sanitation",
        "SAN",
        (
            "bulky item",
            "large item",
            "furniture",
            "mattress",
            "couch",
            "sofa",
            "appliance",
            "fridge",
            "washer",
            "pickup",
            "moving out",
        ),
        ("objetos grandes", "muebles", "colchón", "sofá", "electrodoméstico", "mudanza"),
        notice="We will tell you your pickup day. Put items out the night before, not earlier.",
        es_notice="Le diremos el día de recolección. Saque los objetos la noche anterior, "
        "no antes.",
        anonymous=False,
        attributes=(
            Attribute(
                "ITEMS",
                "multivaluelist",
                "What needs picking up?",
                "¿Qué hay que recoger?",
                required=True,
                values=(
                    Choice("furniture", "Furniture", "Muebles", 5),
                    Choice("mattress", "Mattress or box spring", "Colchón o somier", 4),
                    Choice("appliance", "Appliance", "Electrodoméstico", 2),
                    Choice(
                        "freon",
                        "Fridge, freezer or air conditioner",
                        "Refrigerador, congelador o aire acondicionado",
                        1,
                    ),
                    Choice("electronics", "TV or electronics", "Televisor o electrónicos", 1),
                    Choice("carpet", "Carpet (rolled and tied)", "Alfombra (enrollada y atada)", 1),
                ),
            ),
            Attribute(
                "ITEM_COUNT",
                "number",
                "How many items?",
                "¿Cuántos objetos?",
                required=True,
                number_range=(1, 6),
            ),
            Attribute(
                "PLACEMENT",
                "string",
                "Where will the items be?",
                "¿Dónde estarán los objetos?",
                answer_rate=0.4,
                examples=(
                    "At the curb in front of the house",
                    "Beside the garage",
                    "In the alley behind the house",
                    "Next to the front steps",
                ),
            ),
        ),
    ),
    ServiceSpec(
        "ILLEGAL_DUMPING",
        "Illegal dumping",
        "Vertido ilegal de basura",
        "Trash, tyres, furniture or construction debris dumped on public land or a vacant lot.",
        "Basura, llantas, muebles o escombros tirados en la vía pública o un terreno baldío.",
        "Sanitation",
        "SAN",
        (
            "illegal dumping",
            "dumping",
            "fly tipping",
            "short dumping",
            "debris",
            "tires",
            "tyres",
            "trash pile",
            "mattress dumped",
            "junk",
        ),
        ("basura tirada", "vertedero", "escombros", "llantas", "tiradero"),
        attributes=(
            Attribute(
                "MATERIALS",
                "multivaluelist",
                "What was dumped?",
                "¿Qué tiraron?",
                required=True,
                values=(
                    Choice("household", "Household trash", "Basura doméstica", 5),
                    Choice("construction", "Construction debris", "Escombros de obra", 3),
                    Choice("tyres", "Tyres", "Llantas", 2),
                    Choice("furniture", "Furniture or mattresses", "Muebles o colchones", 3),
                    Choice(
                        "hazardous", "Paint, oil or chemicals", "Pintura, aceite o químicos", 0.5
                    ),
                    Choice("yard", "Yard waste", "Restos de jardín", 1),
                ),
            ),
            Attribute(
                "AMOUNT",
                "singlevaluelist",
                "How much is there?",
                "¿Cuánto hay?",
                answer_rate=0.7,
                values=(
                    Choice("bags", "A few bags", "Unas cuantas bolsas", 4),
                    Choice("truckload", "About a pickup truck load", "Como una camioneta llena", 3),
                    Choice("more", "More than a truck load", "Más que una camioneta", 1),
                ),
            ),
            Attribute(
                "SEEN_AT",
                "datetime",
                "If you saw it being dumped, when?",
                "Si vio cuando lo tiraban, ¿cuándo fue?",
                answer_rate=0.15,
                datatype_description=ISO,
                es_datatype_description=ISO_ES,
                hours_before=10,
            ),
            Attribute(
                "VEHICLE",
                "text",
                "Describe any vehicle involved (please do not approach anyone)",
                "Describa el vehículo involucrado (por favor, no se acerque a nadie)",
                answer_rate=0.1,
                examples=(
                    "White box truck, no markings",
                    "Red pickup with a trailer",
                    "Dark van, backed into the alley around midnight",
                    "Landscaping truck with ladders on top",
                ),
            ),
        ),
    ),
    ServiceSpec(
        "LITTER_BASKET",
        "Public litter basket",
        "Papelera pública",
        "A public litter basket that is overflowing, damaged or missing.",
        "Una papelera pública desbordada, dañada o faltante.",
        "Sanitation",
        "SAN",
        (
            "litter basket",
            "trash can",
            "public bin",
            "overflowing bin",
            "litter",
            "garbage can on corner",
            "waste basket",
        ),
        ("papelera", "cesto de basura", "basurero", "desbordado"),
        attributes=(
            Attribute(
                "PROBLEM",
                "singlevaluelist",
                "What is the problem?",
                "¿Cuál es el problema?",
                required=True,
                values=(
                    Choice("overflowing", "Overflowing", "Desbordada", 8),
                    Choice("damaged", "Damaged", "Dañada", 1),
                    Choice("missing", "Missing", "Falta", 0.5),
                    Choice("new", "A basket is needed here", "Se necesita una aquí", 0.5),
                ),
            ),
        ),
    ),
    ServiceSpec(
        "GRAFFITI",
        "Graffiti",
        "Grafiti",
        "Graffiti on public property, or on private property visible from the street.",
        "Grafiti en propiedad pública, o en propiedad privada visible desde la calle.",
        "Safety & Nuisance",
        "CODE",
        ("graffiti", "tagging", "vandalism", "spray paint", "tag", "paint on wall"),
        ("grafiti", "pintadas", "vandalismo", "pintura en la pared"),
        notice="Hateful or offensive graffiti is removed within one working day.",
        es_notice="El grafiti ofensivo o de odio se elimina en un día hábil.",
        attributes=(
            Attribute(
                "SURFACE",
                "singlevaluelist",
                "Where is it?",
                "¿Dónde está?",
                required=True,
                values=(
                    Choice("public_building", "Public building", "Edificio público", 1),
                    Choice(
                        "private_building",
                        "Private building or fence",
                        "Edificio o cerca privada",
                        5,
                    ),
                    Choice("bridge", "Bridge or underpass", "Puente o paso inferior", 1),
                    Choice(
                        "pole_box",
                        "Pole, sign or utility box",
                        "Poste, señal o caja de servicios",
                        3,
                    ),
                    Choice("street", "Sidewalk or street", "Acera o calle", 1),
                    Choice("park", "In a park", "En un parque", 1),
                ),
            ),
            Attribute(
                "OFFENSIVE",
                "singlevaluelist",
                "Is it hateful or offensive?",
                "¿Es de odio u ofensivo?",
                required=True,
                values=(Choice("yes", "Yes", "Sí", 1), Choice("no", "No", "No", 9)),
            ),
            Attribute(
                "AREA_SQFT",
                "number",
                "Roughly how large, in square feet?",
                "¿Qué tamaño tiene, aproximadamente, en pies cuadrados?",
                answer_rate=0.3,
                number_range=(2, 80),
            ),
        ),
    ),
    # --- Parks -------------------------------------------------------------------------
    ServiceSpec(
        "TREE_DAMAGE",
        "Tree down or damaged",
        "Árbol caído o dañado",
        "A fallen tree, a hanging or broken limb, or a dead street tree.",
        "Un árbol caído, una rama colgando o rota, o un árbol de la calle muerto.",
        "Parks",
        "PRK",
        (
            "tree down",
            "fallen tree",
            "branch",
            "limb",
            "tree damage",
            "dead tree",
            "storm damage",
            "tree on wires",
            "tree blocking road",
        ),
        ("árbol caído", "rama", "árbol", "tormenta", "árbol muerto"),
        notice="If a tree is on power lines, stay away and call Riverton Electric "
        "at 1-800-555-0199.",
        es_notice="Si un árbol está sobre cables eléctricos, aléjese y llame a Riverton Electric "
        "al 1-800-555-0199.",
        attributes=(
            Attribute(
                "PROBLEM",
                "singlevaluelist",
                "What is the problem?",
                "¿Cuál es el problema?",
                required=True,
                values=(
                    Choice("fallen", "Whole tree down", "Árbol entero caído", 2),
                    Choice("limb", "Broken or hanging limb", "Rama rota o colgando", 5),
                    Choice("dead", "Dead or dying tree", "Árbol muerto o enfermo", 2),
                    Choice("leaning", "Leaning dangerously", "Inclinado peligrosamente", 1),
                ),
            ),
            Attribute(
                "BLOCKING",
                "multivaluelist",
                "What is it blocking?",
                "¿Qué está bloqueando?",
                answer_rate=0.7,
                values=(
                    Choice("road", "Road", "Calle", 3),
                    Choice("sidewalk", "Sidewalk", "Acera", 3),
                    Choice("driveway", "Driveway", "Entrada de coches", 1),
                    Choice("nothing", "Nothing", "Nada", 2),
                ),
            ),
            Attribute(
                "ON_WIRES",
                "singlevaluelist",
                "Is it touching power lines?",
                "¿Está tocando cables eléctricos?",
                required=True,
                values=(Choice("yes", "Yes", "Sí", 1), Choice("no", "No", "No", 6)),
            ),
        ),
    ),
    ServiceSpec(
        "PARK_MAINTENANCE",
        "Park maintenance",
        "Mantenimiento de parques",
        "Broken equipment, trash, restrooms, lighting or overgrown grass in a city park.",
        "Juegos rotos, basura, baños, alumbrado o césped crecido en un parque municipal.",
        "Parks",
        "PRK",
        (
            "park",
            "playground",
            "swing",
            "bench",
            "restroom",
            "park trash",
            "grass",
            "mowing",
            "basketball court",
            "fountain",
        ),
        ("parque", "juegos infantiles", "columpio", "banca", "baño", "césped"),
        attributes=(
            Attribute(
                "PARK",
                "singlevaluelist",
                "Which park?",
                "¿Qué parque?",
                required=True,
                values=(
                    Choice("lincoln", "Lincoln Park", "Parque Lincoln", 4),
                    Choice("riverfront", "Riverfront Park", "Parque de la Ribera", 3),
                    Choice("millbrook_commons", "Millbrook Commons", "Millbrook Commons", 2),
                    Choice("cedar_glen", "Cedar Glen", "Cedar Glen", 2),
                    Choice(
                        "eastgate_playground", "Eastgate Playground", "Patio de juegos Eastgate", 1
                    ),
                    Choice(
                        "northfield_fields",
                        "Northfield Athletic Fields",
                        "Campos deportivos Northfield",
                        1,
                    ),
                    Choice("harbor_green", "Harbor Green", "Harbor Green", 1),
                    Choice("other", "Another park", "Otro parque", 1),
                ),
            ),
            Attribute(
                "ISSUES",
                "multivaluelist",
                "What needs attention?",
                "¿Qué necesita atención?",
                required=True,
                values=(
                    Choice("trash", "Trash or overflowing bins", "Basura o cestos llenos", 4),
                    Choice("equipment", "Broken play equipment", "Juegos rotos", 2),
                    Choice("restroom", "Restroom closed or dirty", "Baño cerrado o sucio", 2),
                    Choice("lighting", "Lighting out", "Alumbrado apagado", 1),
                    Choice("grass", "Grass or weeds overgrown", "Césped o maleza crecida", 2),
                    Choice(
                        "water",
                        "Drinking fountain or sprayground",
                        "Bebedero o fuente de juegos",
                        1,
                    ),
                ),
            ),
        ),
    ),
    # --- Water -------------------------------------------------------------------------
    ServiceSpec(
        "WATER_LEAK",
        "Water leak or main break",
        "Fuga de agua o rotura de tubería",
        "Water running in the street or sidewalk, a leaking hydrant or a main break.",
        "Agua corriendo por la calle o la acera, un hidrante con fugas o una tubería rota.",
        "Water",
        "WAT",
        (
            "water leak",
            "main break",
            "water main",
            "hydrant leaking",
            "water in street",
            "burst pipe",
            "open hydrant",
            "flooding",
        ),
        ("fuga de agua", "tubería rota", "hidrante", "agua en la calle", "inundación"),
        attributes=(
            Attribute(
                "SOURCE",
                "singlevaluelist",
                "Where is the water coming from?",
                "¿De dónde sale el agua?",
                required=True,
                values=(
                    Choice("street", "Street or crack in the road", "La calle o una grieta", 4),
                    Choice("hydrant", "Fire hydrant", "Hidrante", 3),
                    Choice("curb_box", "Meter or curb box", "Medidor o caja de llave de paso", 2),
                    Choice("sidewalk", "Sidewalk", "Acera", 1),
                ),
            ),
            Attribute(
                "FLOW",
                "singlevaluelist",
                "How much water?",
                "¿Cuánta agua?",
                required=True,
                values=(
                    Choice("trickle", "A trickle", "Un hilo", 4),
                    Choice("steady", "A steady flow", "Un flujo constante", 4),
                    Choice("gushing", "Gushing or flooding", "A chorros o inundando", 1),
                ),
            ),
            Attribute(
                "STARTED_AT",
                "datetime",
                "When did you first notice it?",
                "¿Cuándo lo notó por primera vez?",
                answer_rate=0.35,
                datatype_description=ISO,
                es_datatype_description=ISO_ES,
                hours_before=18,
            ),
        ),
    ),
    ServiceSpec(
        "SEWER_BACKUP",
        "Sewer backup or blocked inlet",
        "Alcantarillado obstruido o desbordado",
        "Sewage backing up, an overflowing manhole, or a blocked storm drain inlet.",
        "Aguas residuales que se devuelven, una alcantarilla desbordada o un sumidero tapado.",
        "Water",
        "WAT",
        (
            "sewer",
            "sewage",
            "backup",
            "drain",
            "storm drain",
            "manhole",
            "inlet",
            "flooding",
            "smell",
            "basement flooding",
        ),
        ("alcantarilla", "drenaje", "aguas negras", "sumidero", "mal olor", "sótano inundado"),
        attributes=(
            Attribute(
                "WHERE",
                "singlevaluelist",
                "Where is the problem?",
                "¿Dónde está el problema?",
                required=True,
                values=(
                    Choice(
                        "basement",
                        "Backing up into a building",
                        "Se devuelve dentro de un edificio",
                        2,
                    ),
                    Choice("inlet", "Street inlet blocked", "Sumidero de la calle tapado", 4),
                    Choice("manhole", "Manhole overflowing", "Alcantarilla desbordada", 1),
                ),
            ),
            Attribute(
                "ODOUR",
                "singlevaluelist",
                "Is there a sewage smell?",
                "¿Hay olor a aguas negras?",
                answer_rate=0.6,
                values=YES_NO,
            ),
            Attribute(
                "HEALTH_NOTICE",
                "string",
                "Sewage is a health risk: keep children and pets away from it.",
                "Las aguas negras son un riesgo para la salud: mantenga alejados a niños y "
                "mascotas.",
                variable=False,
            ),
        ),
    ),
    # --- Safety & nuisance -------------------------------------------------------------
    ServiceSpec(
        "NOISE",
        "Noise complaint",
        "Queja por ruido",
        "Loud music, parties, after-hours construction, alarms or other ongoing noise.",
        "Música alta, fiestas, obras fuera de horario, alarmas u otro ruido continuo.",
        "Safety & Nuisance",
        "PD",
        (
            "noise",
            "loud music",
            "party",
            "loud neighbours",
            "loud neighbors",
            "barking dog",
            "construction noise",
            "alarm",
            "bar noise",
            "fireworks",
        ),
        ("ruido", "música alta", "fiesta", "vecinos ruidosos", "perro ladrando"),
        notice="For noise happening right now at night, an officer responds when available.",
        es_notice="Para ruido nocturno que ocurre ahora, un agente responde cuando "
        "esté disponible.",
        attributes=(
            Attribute(
                "SOURCE",
                "singlevaluelist",
                "What kind of noise?",
                "¿Qué tipo de ruido?",
                required=True,
                values=(
                    Choice("music", "Loud music or party", "Música alta o fiesta", 6),
                    Choice(
                        "construction",
                        "Construction outside permitted hours",
                        "Obras fuera del horario permitido",
                        2,
                    ),
                    Choice("vehicle", "Vehicle, engine or horn", "Vehículo, motor o bocina", 1),
                    Choice("dog", "Barking dog", "Perro ladrando", 1.5),
                    Choice("business", "Bar, club or business", "Bar, club o negocio", 2),
                    Choice("alarm", "Alarm", "Alarma", 0.5),
                    Choice("other", "Other", "Otro", 0.5),
                ),
            ),
            Attribute(
                "ONGOING",
                "singlevaluelist",
                "Is it happening now?",
                "¿Está ocurriendo ahora?",
                required=True,
                values=(Choice("yes", "Yes", "Sí", 8), Choice("no", "No", "No", 2)),
            ),
            Attribute(
                "STARTED_AT",
                "datetime",
                "When did it start?",
                "¿Cuándo empezó?",
                answer_rate=0.3,
                datatype_description=ISO,
                es_datatype_description=ISO_ES,
                hours_before=1.5,
            ),
        ),
    ),
    ServiceSpec(
        "RODENT",
        "Rodents",
        "Roedores",
        "Rats or mice seen outdoors, in a vacant lot, or coming from a neighbouring property.",
        "Ratas o ratones vistos en la calle, en un terreno baldío o saliendo de una propiedad "
        "vecina.",
        "Safety & Nuisance",
        "HEALTH",
        (
            "rats",
            "mice",
            "rodent",
            "rat",
            "mouse",
            "vermin",
            "pest",
            "rat burrows",
            "droppings",
            "infestation",
        ),
        ("ratas", "ratones", "roedores", "plaga", "madrigueras"),
        notice="Tenants: indoor pest control is your landlord's duty; tell us if it is not done.",
        es_notice="Inquilinos: el control de plagas dentro de la vivienda le corresponde al "
        "propietario; avísenos si no lo hace.",
        attributes=(
            Attribute(
                "WHERE",
                "singlevaluelist",
                "Where did you see them?",
                "¿Dónde los vio?",
                required=True,
                values=(
                    Choice("home", "Inside my home", "Dentro de mi casa", 2),
                    Choice("yard", "Yard or alley", "Patio o callejón", 5),
                    Choice("street", "Street or sidewalk", "Calle o acera", 2),
                    Choice("park", "Park", "Parque", 1),
                    Choice("business", "Restaurant or business", "Restaurante o negocio", 1.5),
                    Choice("vacant", "Vacant lot or building", "Terreno o edificio vacío", 2),
                ),
            ),
            Attribute(
                "SIGNS",
                "multivaluelist",
                "What have you seen?",
                "¿Qué ha visto?",
                answer_rate=0.6,
                values=(
                    Choice("live", "Live rats or mice", "Ratas o ratones vivos", 6),
                    Choice("droppings", "Droppings", "Excrementos", 3),
                    Choice("burrows", "Burrows", "Madrigueras", 2),
                    Choice("gnawing", "Gnaw marks", "Marcas de mordidas", 1),
                    Choice(
                        "garbage",
                        "Open garbage they get into",
                        "Basura abierta a la que acceden",
                        3,
                    ),
                ),
            ),
        ),
    ),
    ServiceSpec(
        "DEAD_ANIMAL",
        "Dead animal removal",
        "Retiro de animal muerto",
        "A dead animal on a street, sidewalk or other public place.",
        "Un animal muerto en la calle, la acera u otro lugar público.",
        "Safety & Nuisance",
        "ANIMAL",
        (
            "dead animal",
            "roadkill",
            "dead deer",
            "dead raccoon",
            "dead cat",
            "dead dog",
            "carcass",
            "dead bird",
        ),
        ("animal muerto", "animal atropellado", "venado muerto"),
        attributes=(
            Attribute(
                "ANIMAL",
                "singlevaluelist",
                "What kind of animal?",
                "¿Qué tipo de animal?",
                required=True,
                values=(
                    Choice("deer", "Deer", "Venado", 1),
                    Choice("raccoon", "Raccoon or opossum", "Mapache o zarigüeya", 3),
                    Choice("squirrel", "Squirrel", "Ardilla", 3),
                    Choice("cat", "Cat", "Gato", 2),
                    Choice("dog", "Dog", "Perro", 0.5),
                    Choice("bird", "Bird", "Ave", 2),
                    Choice("other", "Other", "Otro", 1),
                ),
            ),
            Attribute(
                "LOCATION",
                "singlevaluelist",
                "Where is it?",
                "¿Dónde está?",
                required=True,
                values=(
                    Choice("roadway", "In the road", "En la calle", 5),
                    Choice("sidewalk", "On the sidewalk", "En la acera", 3),
                    Choice("park", "In a park", "En un parque", 1),
                ),
            ),
        ),
    ),
    ServiceSpec(
        "BUILDING_VIOLATION",
        "Building or housing violation",
        "Infracción de vivienda o edificio",
        "No heat, no hot water, unsafe conditions, work without a permit or a dangerous vacant "
        "building.",
        "Sin calefacción, sin agua caliente, condiciones inseguras, obras sin permiso o un "
        "edificio vacío peligroso.",
        "Safety & Nuisance",
        "CODE",
        (
            "building violation",
            "no heat",
            "no hot water",
            "landlord",
            "mold",
            "unsafe building",
            "work without permit",
            "vacant building",
            "housing code",
            "leak in ceiling",
        ),
        (
            "sin calefacción",
            "sin agua caliente",
            "casero",
            "moho",
            "edificio peligroso",
            "obra sin permiso",
        ),
        notice="You can report anonymously. Landlords may not retaliate against tenants who "
        "report.",
        es_notice="Puede denunciar de forma anónima. El propietario no puede tomar represalias "
        "contra inquilinos que denuncian.",
        attributes=(
            Attribute(
                "VIOLATIONS",
                "multivaluelist",
                "What is wrong?",
                "¿Qué problema hay?",
                required=True,
                values=(
                    Choice("no_heat", "No heat", "Sin calefacción", 3),
                    Choice("no_hot_water", "No hot water", "Sin agua caliente", 2),
                    Choice("mold_leak", "Leaks or mold", "Goteras o moho", 3),
                    Choice("structural", "Structural damage", "Daño estructural", 1),
                    Choice("no_permit", "Work without a permit", "Obra sin permiso", 2),
                    Choice(
                        "vacant", "Unsecured vacant building", "Edificio vacío sin asegurar", 1.5
                    ),
                    Choice(
                        "fire_safety",
                        "Missing smoke alarms or blocked exits",
                        "Sin detectores de humo o salidas bloqueadas",
                        1,
                    ),
                ),
            ),
            Attribute(
                "REPORTER_IS",
                "singlevaluelist",
                "You are the…",
                "Usted es…",
                answer_rate=0.7,
                values=(
                    Choice("tenant", "Tenant", "Inquilino", 5),
                    Choice("neighbour", "Neighbour", "Vecino", 3),
                    Choice("owner", "Owner", "Propietario", 0.5),
                    Choice("other", "Other", "Otro", 1),
                ),
            ),
            Attribute(
                "UNIT",
                "string",
                "Apartment or unit number",
                "Número de apartamento o unidad",
                answer_rate=0.4,
                examples=("1F", "2R", "3", "Apt 4B", "Unit 12", "Basement", "2nd floor rear"),
            ),
            Attribute(
                "DETAILS",
                "text",
                "Tell us more: how long has this been going on?",
                "Cuéntenos más: ¿desde cuándo ocurre?",
                answer_rate=0.4,
                examples=(
                    "Since last week. Landlord does not answer calls.",
                    "About a month. We have two small children.",
                    "The ceiling in the bathroom leaks every time it rains.",
                    "Workers come on weekends, no permit posted on the door.",
                    "Back door of the vacant house is open and people go in at night.",
                ),
            ),
        ),
    ),
    # --- Social services ---------------------------------------------------------------
    ServiceSpec(
        "HOMELESS_OUTREACH",
        "Homeless outreach",
        "Atención a personas sin hogar",
        "Ask an outreach team to check on someone who is living outside and may need help.",
        "Pida a un equipo de atención que visite a alguien que vive en la calle y puede "
        "necesitar ayuda.",
        "Social services",
        "HS",
        (
            "homeless",
            "homelessness",
            "unhoused",
            "sleeping outside",
            "encampment",
            "tent",
            "person in need",
            "outreach",
            "shelter",
            "code blue",
        ),
        ("persona sin hogar", "indigente", "durmiendo en la calle", "campamento", "albergue"),
        notice="If someone is in immediate danger, call 911. This report is never published "
        "with its location.",
        es_notice="Si alguien está en peligro inmediato, llame al 911. Este reporte nunca se "
        "publica con su ubicación.",
        sensitive=True,
        anonymous=True,
        attributes=(
            Attribute(
                "CONCERN",
                "singlevaluelist",
                "What is your concern?",
                "¿Cuál es su preocupación?",
                required=True,
                values=(
                    Choice(
                        "shelter",
                        "Person may need shelter",
                        "La persona puede necesitar albergue",
                        5,
                    ),
                    Choice("unwell", "Person appears unwell", "La persona parece enferma", 2),
                    Choice("encampment", "Encampment", "Campamento", 2),
                    Choice(
                        "weather",
                        "Out in extreme cold or heat",
                        "A la intemperie con frío o calor extremo",
                        2,
                    ),
                ),
            ),
            Attribute(
                "PEOPLE",
                "number",
                "How many people?",
                "¿Cuántas personas?",
                answer_rate=0.6,
                number_range=(1, 5),
            ),
            Attribute(
                "EMERGENCY_NOTICE",
                "string",
                "If someone is in immediate danger, call 911 now.",
                "Si alguien está en peligro inmediato, llame al 911 ahora.",
                variable=False,
            ),
        ),
    ),
    # --- General -----------------------------------------------------------------------
    ServiceSpec(
        "INFO_REQUEST",
        "Question for the city",
        "Pregunta para la ciudad",
        "Ask about city services, schedules, permits or payments; 311 answers by email or phone.",
        "Pregunte sobre servicios, horarios, permisos o pagos de la ciudad; el 311 responde "
        "por correo o teléfono.",
        "General",
        "311",
        (
            "question",
            "information",
            "info",
            "schedule",
            "permit",
            "how do i",
            "pay",
            "tax",
            "parking permit",
            "hours",
            "contact",
        ),
        ("pregunta", "información", "horario", "permiso", "pagar", "impuestos"),
        anonymous=False,
        attributes=(
            Attribute(
                "TOPIC",
                "singlevaluelist",
                "What is it about?",
                "¿Sobre qué es?",
                required=True,
                values=(
                    Choice(
                        "collection",
                        "Trash and recycling schedule",
                        "Horario de basura y reciclaje",
                        4,
                    ),
                    Choice("permits", "Permits and licences", "Permisos y licencias", 2),
                    Choice(
                        "payments", "Taxes, bills and payments", "Impuestos, facturas y pagos", 2
                    ),
                    Choice(
                        "parking",
                        "Parking permits and tickets",
                        "Permisos y multas de estacionamiento",
                        2,
                    ),
                    Choice(
                        "services",
                        "Which department handles something",
                        "Qué departamento se encarga de algo",
                        2,
                    ),
                    Choice("other", "Something else", "Otra cosa", 1),
                ),
            ),
            Attribute(
                "QUESTION",
                "text",
                "Your question",
                "Su pregunta",
                required=True,
                examples=(
                    "When is bulky item pickup on my street?",
                    "How do I get a residential parking permit?",
                    "Where do I pay a water bill in person?",
                    "Is trash collection delayed this week?",
                    "Who do I call about a tree on private property?",
                    "How do I get a new recycling bin?",
                    "Do I need a permit to replace my front steps?",
                ),
            ),
            Attribute(
                "REPLY_BY",
                "singlevaluelist",
                "How should we reply?",
                "¿Cómo le respondemos?",
                answer_rate=0.8,
                values=(
                    Choice("email", "Email", "Correo electrónico", 3),
                    Choice("phone", "Phone", "Teléfono", 2),
                ),
            ),
        ),
    ),
)

SERVICE_CODES: tuple[str, ...] = tuple(s.code for s in SERVICES)

# Service levels: working hours (City Hall's calendar, weekdays 8-17) to resolve.
SERVICE_LEVEL_HOURS: dict[str, int] = {
    "POTHOLE": 72,
    "STREETLIGHT": 90,
    "SIDEWALK": 900,
    "TRAFFIC_SIGNAL": 9,
    "STREET_SIGN": 90,
    "SNOW_ICE": 27,
    "ILLEGAL_PARKING": 4,
    "ABANDONED_VEHICLE": 180,
    "MISSED_TRASH": 18,
    "MISSED_RECYCLING": 27,
    "BULKY_ITEM": 72,
    "ILLEGAL_DUMPING": 72,
    "LITTER_BASKET": 18,
    "GRAFFITI": 72,
    "TREE_DAMAGE": 108,
    "PARK_MAINTENANCE": 72,
    "WATER_LEAK": 18,
    "SEWER_BACKUP": 18,
    "NOISE": 4,
    "RODENT": 135,
    "DEAD_ANIMAL": 18,
    "BUILDING_VIOLATION": 450,
    "HOMELESS_OUTREACH": 18,
    "INFO_REQUEST": 18,
}
