"""First-person risk phrases in languages other than English, and learner-English shapes.

Why a list of phrases here when the rest of the risk layer learns: the sentence encoder is
English-only, so "me quiero morir", "vou me matar" or "kabhi lagta hai mar jaun" are close to
nothing it knows, and the character n-grams of the linear model see too few examples in each
language to be sure. On every spent blind batch (09-16) messages fully or partly in another
language were the largest single cluster the whole bot missed (10 of 45 misses). People in
distress often write in their first language; these are the few ways each language says
"I want to die", "I don't want to live any more", "I'm going to kill myself", "I hurt myself
again" and "goodbye to everyone", in the first person.

How each phrase is judged:
- The text is folded first: case, accents and marks dropped ("não" -> "nao", "ölmek" ->
  "olmek", "tự tử" -> "tu tu"), apostrophes unified. Patterns are folded the same way, so
  they may be written with their accents.
- First person only, by the verb form or the pronoun ("quiero", "vou me", "mujhe", "ko"):
  "mi amigo quiere morir" or "minha mãe vai me matar" (my mum will kill me) do not match.
- ``after_not`` guards the hyperbole each language uses death for: "me quiero morir de
  vergüenza", "morrendo de rir", "sharam se mar jaun" (die of shame).
- A negation just before (``no``, ``nie``, ``nicht``, ``nahi``, ``not``...) lowers HIGH to
  POSSIBLE, never to NONE, as in English: the gentle question, never silence.
- Bare nouns ("suicidio", "Selbstmord") are not here: news and school work use them too,
  and the English detector treats "suicide" the same way (a mention, judged in context).

Levels follow the English rules: a wish to die, intent to kill oneself or self-harm is HIGH;
not wanting to live, wanting to disappear for good, and farewells to everyone are POSSIBLE
(lines plus the gentle question). The English rules stay in patterns.py; this module only
adds findings, it never removes one.

Only languages the builder could write correctly are here; a language missing from this list
still has the learned models (docs: bot/safety/README.md, "Other languages").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Pattern, Tuple

from bot.safety import patterns as P

HIGH, POSSIBLE = P.HIGH, P.POSSIBLE
EXPLICIT, PASSIVE, SELF_HARM, GOODBYE = P.EXPLICIT, P.PASSIVE, P.SELF_HARM, P.GOODBYE
NON_ENGLISH = "non_english"

# characters NFKD does not split into a letter and a mark
_EXTRA_FOLD = str.maketrans({"ł": "l", "đ": "d", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe",
                             "ß": "ss", "’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'",
                             "ё": "е", "й": "и", "ї": "і"})


def fold(text: str) -> str:
    """Lower case, no accents or marks, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_EXTRA_FOLD)
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    text = unicodedata.normalize("NFC", text).translate(_EXTRA_FOLD)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Phrase:
    language: str
    category: str
    level: str
    pattern: str
    after_not: str = ""    # regex: the words right after the match make it an idiom
    before_not: str = ""   # regex: the words right before the match make it an idiom
    bounded: bool = True   # word boundaries (False for scripts written without spaces)


# death-as-hyperbole continuations, per language (after the matched phrase)
_ES_IDIOM = (r"\s*(de|del|por) (la |el |tanta )?(risa|hambre|sueno|frio|calor|verguenza|pena|ganas|"
             r"aburrimiento|amor|envidia|miedo|cansancio|sed|nervios|ternura|asco|gusto)")
_PT_IDIOM = (r"\s*de (rir|rizada|fome|sono|frio|calor|vergonha|vontade|saudade|medo|tedio|amor|"
             r"cansaco|sede|inveja|raiva|nervoso)")
_FR_IDIOM = r"\s*(de|d') ?(rire|faim|froid|chaud|honte|envie|peur|ennui|fatigue|soif|amour|jalousie)"
_IT_IDIOM = r"\s*(dal|dalle|dalla|di|per la) ?(ridere|risate|fame|caldo|sonno|noia|vergogna|freddo|sete|invidia|paura)"
_DE_IDIOM = r"\s*(vor|aus) (lachen|hunger|langeweile|hitze|durst|neugier|scham|muedigkeit|mudigkeit|angst)"
_TL_IDIOM = r"\s*sa (kakatawa|katatawa|tawa|gutom|hiya|init|lamig|kilig|inggit|pagod)"
_ID_IDIOM = r"\s*(ketawa|tertawa|kelaparan|kepanasan|bosan|kebosanan|malu|capek)"

PHRASES: Tuple[Phrase, ...] = (
    # ------------------------------------------------------------ Spanish
    Phrase("es", EXPLICIT, HIGH, r"(me )?quiero morir(me)?|quisiera morir(me)?|me gustaria morir(me)?",
           after_not=_ES_IDIOM),
    Phrase("es", EXPLICIT, HIGH, r"(tengo|siento) ganas de morir(me)?", after_not=_ES_IDIOM),
    Phrase("es", EXPLICIT, HIGH, r"me (voy a|quiero|pienso|tengo que) (matar|suicidar)|"
           r"(voy a|quiero|pienso( en)?|estoy pensando en|he pensado en|pense en|quisiera|tengo ganas de|intente) "
           r"(matarme|suicidarme|quitarme la vida)|me quiero quitar la vida",
           after_not=r"\s*(de|del|a) (risa|trabajo|estudiar|trabajar|correr)"),
    Phrase("es", EXPLICIT, HIGH, r"(pienso|pensando|pense) (mucho )?en (el suicidio|suicidarme|matarme|la muerte)|"
           r"(ideas|pensamientos) suicidas|(estoy|me siento|soy) suicida"),
    Phrase("es", EXPLICIT, HIGH, r"ojala (me muriera|estuviera muert[oa]|no despertara|no me despierte)"),
    Phrase("es", PASSIVE, POSSIBLE, r"no quiero (seguir )?(vivir|viviendo|existir)|ya no quiero vivir|"
           r"no (le )?(veo|encuentro) sentido a (la|mi) vida|quiero desaparecer (para siempre|de este mundo)|"
           r"(nadie me extranaria|estarian mejor sin mi|mejor estaria muert[oa])|"
           r"no quiero (volver a )?despertar(me)?|(quiero|quisiera|tengo ganas de) desaparecer y no volver|"
           r"(quiero|voy a) acabar con (todo|mi vida)(?=\s*($|[,.!?]|ya|hoy|de una vez))"),
    Phrase("es", SELF_HARM, HIGH, r"me (volvi a cortar|volvi a hacer dano|corte (otra vez|de nuevo|a proposito|adrede)|"
           r"hice dano (otra vez|de nuevo|a proposito|adrede)|lastime a proposito|autolesione)|"
           r"(quiero|tengo ganas de|necesito) (cortarme|hacerme dano|lastimarme|autolesionarme)"),
    Phrase("es", GOODBYE, POSSIBLE, r"adios (a todos|para siempre)|perdon(enme|adme) por todo"),
    # ------------------------------------------------------------ Portuguese
    Phrase("pt", EXPLICIT, HIGH, r"(eu )?(quero|queria|vou) morrer|(to|tou|estou) querendo morrer|"
           r"vontade de morrer|querer morrer", after_not=_PT_IDIOM),
    Phrase("pt", EXPLICIT, HIGH, r"(vou|quero|queria|penso em|pensando em|pensei em|vontade de|tentei|tentar) "
           r"(me matar|me suicidar|tirar (a )?minha (propria )?vida)|(quero|vou) me suicidar|"
           r"penso (muito )?(em|no) suicidio|pensamentos suicidas",
           after_not=r"\s*de (rir|trabalhar|estudar|tanto)"),
    Phrase("pt", PASSIVE, POSSIBLE, r"(nao|n) quero mais viver|nao quero (mais )?(viver|existir)|"
           r"(to|tou|estou) cansad[oa] de viver|quero sumir (pra|para) sempre|"
           r"(queria|quero) dormir e (nao|nunca mais) acordar|nao quero (mais )?acordar|sumir (desse|deste|do) mundo|"
           r"(quero|vou) acabar com (tudo|a minha vida|minha vida)(?=\s*($|[,.!?]|hoje|de vez|agora))"),
    Phrase("pt", SELF_HARM, HIGH, r"me (cortei|machuquei|feri) (de novo|outra vez|de proposito|de proposito de novo)|"
           r"(vontade de|quero|preciso) me (cortar|machucar)|me automutil"),
    Phrase("pt", GOODBYE, POSSIBLE, r"adeus (a todos|pra sempre|para sempre)"),
    # ------------------------------------------------------------ French
    Phrase("fr", EXPLICIT, HIGH, r"je (veux|voudrais|vais) mourir|j'?ai envie de mourir|envie de (mourir|crever)|"
           r"je veux crever", after_not=_FR_IDIOM),
    Phrase("fr", EXPLICIT, HIGH, r"je (veux|vais|voudrais) me (tuer|suicider|foutre en l'?air)|"
           r"envie de me (tuer|suicider|foutre en l'?air)|je pense (au suicide|a me (tuer|suicider))|"
           r"(pensees|idees) suicidaires|je suis suicidaire|"
           r"(je veux|je vais|j'?ai envie d'?) ?en finir( avec (la vie|tout ca|tout|ma vie))?(?=\s*($|[,.!?]))"),
    Phrase("fr", PASSIVE, POSSIBLE, r"je (ne )?veux plus vivre|j'?ai plus (envie|la force) de vivre|"
           r"je n'?ai plus (envie|la force) de vivre|m'?endormir et ne (plus jamais|jamais plus|plus) me reveiller|"
           r"disparaitre pour toujours"),
    Phrase("fr", SELF_HARM, HIGH, r"je me suis (encore |a nouveau )?(fait du mal|scarifie(e)?|mutile(e)?)|"
           r"je me scarifie|envie de me (faire du mal|scarifier|couper)|je me suis coupe(e)? (expres|volontairement)"),
    Phrase("fr", GOODBYE, POSSIBLE, r"adieu (a tous|pour toujours)|adieu,? merci pour tout"),
    # ------------------------------------------------------------ Italian
    Phrase("it", EXPLICIT, HIGH, r"(voglio|vorrei) morire", after_not=_IT_IDIOM),
    Phrase("it", EXPLICIT, HIGH, r"(voglio|vorrei|sto pensando di|penso di|ho voglia di) "
           r"(uccidermi|ammazzarmi|suicidarmi|togliermi la vita)|mi (voglio|vorrei) (uccidere|ammazzare)|"
           r"(voglio|vorrei|penso di|sto pensando di|ho deciso di) farla finita(?!\s*con (la dieta|il lavoro|questa storia|lui|lei))|"
           r"penso (spesso )?al suicidio|pensieri suicidi",
           after_not=r"\s*(di|dal) (lavoro|risate|ridere)"),
    Phrase("it", PASSIVE, POSSIBLE, r"non voglio piu vivere|(voglio|vorrei) sparire per sempre|(addormentarmi e )?non svegliarmi piu|"
           r"non ho piu voglia di vivere"),
    Phrase("it", SELF_HARM, HIGH, r"mi sono (tagliat[oa]|fatt[oa] del male) (di nuovo|ancora|apposta)|"
           r"(voglio|ho voglia di) (tagliarmi|farmi del male)|mi taglio (di nuovo|ancora)"),
    Phrase("it", GOODBYE, POSSIBLE, r"addio a tutti|addio per sempre"),
    # ------------------------------------------------------------ German
    Phrase("de", EXPLICIT, HIGH, r"ich (will|mochte|moechte|wollte|mocht) (nur noch |einfach |nur )?sterben|"
           r"ich will tot sein|ich wunschte,? ich (ware|waere) tot",
           after_not=_DE_IDIOM),
    Phrase("de", EXPLICIT, HIGH, r"ich (will|werde|mochte|moechte|wollte|sollte|konnte|koennte|kann) mich "
           r"(umbringen|toten|toeten)|ich bring(e)? mich um|mich umzubringen|"
           r"mir das leben (zu )?nehmen|(selbstmord|suizid)gedanken|ich bin suizidal|abschiedsbrief (geschrieben|schreiben)|"
           r"ich denke (an|uber|ueber) (selbstmord|suizid)"),
    Phrase("de", PASSIVE, POSSIBLE, r"(ich )?(will|mochte|moechte|kann) nicht mehr leben|keine (kraft|lust) mehr zu leben|"
           r"(nie|nicht) mehr aufwachen|(verschwinden|weg sein) fur immer|fur immer verschwinden|"
           r"mein leben hat keinen sinn mehr|(verschwinden|weg sein),? (fur|fuer) immer|"
           r"(allem|meinem leben) ein ende (setzen|machen)"),
    Phrase("de", SELF_HARM, HIGH, r"(ich )?(hab|habe) mich (wieder |schon wieder |heute )?(geritzt|selbst verletzt)|"
           r"ich ritze mich|(will|muss) mich (ritzen|selbst verletzen)"),
    Phrase("de", GOODBYE, POSSIBLE, r"lebt (alle )?wohl|ihr werdet nie wieder (was|etwas) von mir horen"),
    # ------------------------------------------------------------ Dutch
    Phrase("nl", EXPLICIT, HIGH, r"ik wil (gewoon |echt |zo graag |liever |het liefst )?(dood|sterven)|ik wil mezelf (van kant maken|doden|iets aandoen)|"
           r"ik ga mezelf (van kant maken|iets aandoen)|zelfmoordgedachten|ik denk aan zelfmoord|"
           r"een einde aan mijn leven maken|er een einde? aan (wil )?maken|ik denk (steeds |vaak |elke dag )?aan zelfmoord", after_not=r"\s*van (het )?(lachen|de honger|verveling)"),
    Phrase("nl", PASSIVE, POSSIBLE, r"ik wil niet meer leven|ik wil er niet meer zijn|(niet|nooit) meer wakker (worden|word|te worden)|verdwijnen,? voor altijd"),
    Phrase("nl", SELF_HARM, HIGH, r"ik (heb|snij) mezelf (weer |opnieuw )?(gesneden|pijn gedaan)|ik snij mezelf"),
    # ------------------------------------------------------------ Polish
    Phrase("pl", EXPLICIT, HIGH, r"chce (umrzec|sie zabic|skonczyc ze soba)|(zabije|zabic) sie|"
           r"mysle o (samobojstwie|smierci)|mysli samobojcze|skoncze ze soba"),
    Phrase("pl", PASSIVE, POSSIBLE, r"nie chce (juz |dalej |wiecej )?zyc|chce zniknac na zawsze|(zasnac|usnac) i (sie )?(nie|juz nie) obudzic"),
    Phrase("pl", SELF_HARM, HIGH, r"(znowu )?(sie )?(tne|pocielam|pocialem|okaleczam|okaleczylem|okaleczylam)( sie)?|"
           r"(znowu |znow |ciagle )?(zrobilam|zrobilem|robie) sobie krzywde"),
    Phrase("pl", GOODBYE, POSSIBLE, r"zegnajcie( wszyscy)?"),
    # ------------------------------------------------------------ Romanian
    Phrase("ro", EXPLICIT, HIGH, r"vreau sa (mor|ma sinucid|ma omor)|ma gandesc (la sinucidere|sa ma omor)|"
           r"(o sa|am sa) ma (sinucid|omor)"),
    Phrase("ro", PASSIVE, POSSIBLE, r"nu mai vreau sa (traiesc|exist)|(vreau sa )?dispar pentru (totdeauna|mereu)"),
    # ------------------------------------------------------------ Turkish
    Phrase("tr", EXPLICIT, HIGH, r"olmek istiyorum|kendimi oldurmek istiyorum|kendimi oldurecegim|"
           r"intihar (etmek istiyorum|edecegim|etmeyi dusunuyorum)|intihar(i)? dusunuyorum|olsem keske|keske olsem|"
           r"(her seye|hayatima) son vermek istiyorum|bir daha (hic )?uyanmasam"),
    Phrase("tr", PASSIVE, POSSIBLE, r"(artik )?yasamak istemiyorum|yasamaktan (yoruldum|bikt[ii]m)|yasamanin anlami kalmadi"),
    Phrase("tr", SELF_HARM, HIGH, r"kendime (yine |tekrar )?zarar (veriyorum|verdim|vermek istiyorum)|kendimi (yine |tekrar )?kestim"),
    # ------------------------------------------------------------ Hindi / Urdu in Latin letters
    Phrase("hi", EXPLICIT, HIGH, r"(mujhe|mujhko|mjhe|muje|mereko|mujhey) (bas )?(marna|mar jana|mar jaana|marjana|mrna) "
           r"(hai|h|he|chahta|chahti|chahiye)|(main|mai|me|mein) (bas )?(marna|mar jana|mar jaana|khatam ho jaana|khatam ho jana) (chahta|chahti)|"
           r"marne ka (mann|man|dil) (karta|krta)|suicide ke (baare|bare) (mein|me|main) (soch|sochta|sochti)|"
           r"(mar|mr) (jaun|jaaun|jau|jaoon|jaon|jaaon|jaunga|jaungi)\b(?!\s*(ga|gi)\s+(hasi|hasee))",
           before_not=r"(se|ke mare|maare|mare) $"),
    Phrase("hi", EXPLICIT, HIGH, r"(khud ?ko|apne aap ko) (khatam|khatm|khtm|maar|mar|hurt|nuksan|nuksaan|nuqsan) "
           r"(kar|karna|karne|karun|karu|kardu|kar du|kar dun|kar doon|dena|dunga|dungi|lunga|lungi|pohancha|pahuncha)|"
           r"khud ?ko chot (pahunchayi|pahunchai|pohanchayi|pahuncha)|"
           r"khudkushi|khudkhushi|aatmahatya|atmahatya|suicide (karna|karne|karunga|karungi|kar lunga|kar lungi|kar lu)|"
           r"apni jaan (le|lena|lene|de|dena|dene) (ka|ki|chahta|chahti|lunga|lungi|dunga|dungi|hai)"),
    Phrase("hi", PASSIVE, POSSIBLE, r"(jeena|jina|jeene|jine) (nahi|nahin|nai|nhi) (chahta|chahti|hai|h)|"
           r"(jeene|jine) ka (mann|man|dil) (nahi|nahin|nai|nhi)|zindagi se (thak|tang) (gaya|gayi|aa gaya|aa gayi)|"
           r"(nahi|nahin|nhi) (jee|ji) (sakta|sakti)|(jeene|jine) ka (koi )?(matlab|maqsad|fayda) (nahi|nahin|nhi)|(mujhe|muje) utha le|kabhi na (uthoon|uthu|uthun)"),
    Phrase("hi", GOODBYE, POSSIBLE, r"sab ?ko alvida|alvida (sab|dosto|sabko|duniya)"),
    # Devanagari
    Phrase("hi", EXPLICIT, HIGH, r"मरना चाहत|मर जाना चाहत|आत्महत्या|ख़ुदकुशी|खुदकुशी|खुद को खत्म|مرنا چاہت|خودکشی", bounded=False),
    Phrase("hi", PASSIVE, POSSIBLE, r"जीना नहीं चाहत", bounded=False),
    # ------------------------------------------------------------ Tagalog / Taglish
    Phrase("tl", EXPLICIT, HIGH, r"gusto ko (na(ng)? |nang )?(na lang |nalang |lang )?(mamatay|magpakamatay)|"
           r"gusto kong (mamatay|magpakamatay)|magpapakamatay (na )?ako|papatayin ko (na )?(ang )?sarili ko|"
           r"tapusin (ko )?(na )?ang buhay ko|(iniisip|naiisip|gusto) ko(ng)? (na(ng)? )?magpakamatay",
           after_not=_TL_IDIOM),
    Phrase("tl", PASSIVE, POSSIBLE, r"(ayoko|ayaw ko|ayokong) (na(ng)? )?(talaga(ng)? )?mabuhay|pagod na (ako )?(sa )?mabuhay|"
           r"(sana )?hindi na ako magising|gusto ko (na(ng)? |nang )?(na lang |nalang |lang )?mawala|"
           r"wala (na(ng)? )?saysay ang buhay ko|"
           r"wala na akong (dahilan|rason) (para |upang )?mabuhay"),
    Phrase("tl", SELF_HARM, HIGH, r"(sinaktan|sasaktan|saktan) (ko )?(ulit |na naman )?(ang )?sarili ko|"
           r"gusto kong saktan (ang )?sarili ko|naglaslas (ako|ulit)|maglaslas"),
    Phrase("tl", GOODBYE, POSSIBLE, r"paalam (na )?sa (inyong lahat|lahat)"),
    # ------------------------------------------------------------ Indonesian / Malay
    Phrase("id", EXPLICIT, HIGH, r"(aku|saya|gue|gw|gua|ku|aq) (ingin|mau|pengen|pingin|nak|mahu|rasa nak|rasa macam nak|pengin) "
           r"(mati|bunuh diri|mengakhiri hidup)|(ingin|mau|pengen|nak|mahu|terpikir|kepikiran|fikir|berfikir) "
           r"(untuk )?(bunuh diri|mengakhiri hidup(ku)?)|(mati saja|mati aja)|rasa (nak|macam nak) mati",
           after_not=_ID_IDIOM),
    Phrase("id", PASSIVE, POSSIBLE, r"(tidak|tak|gak|nggak|ga|ndak) (mau|ingin|nak|mahu) hidup lagi|"
           r"(tak|tidak|dah tak|tak nak) (nak|mahu) hidup|capek (hidup|untuk hidup)|lelah hidup|(gak|tidak|tak|ga|nggak|udah gak) kuat (hidup|lagi hidup)|"
           r"(hilang|ngilang|menghilang) selamanya"),
    Phrase("id", SELF_HARM, HIGH, r"(menyakiti|melukai|nyakitin) diri( sendiri)?"),
    # ------------------------------------------------------------ Arabic (Arabizi and script)
    Phrase("ar", EXPLICIT, HIGH, r"(ana )?(3ayez|3ayz|3aiz|3ayza|3ayzah|3aiza|bdi|bde|biddi|baddi|bidde|badde|beddi|abi|abgha|abga|nefsi|nifsi|bghit) "
           r"(amoot|amot|amut|mout|moot|mot|nmout|nmot|nmoot)|(a2tol|e2tol|aqtol|a2atel|aktol|a2tel|n9tel|nqtel) (nafsi|7ali|hali|rasi)|"
           r"(afakar|bfakar|bafakar|afkar) (fel|fil|bil|bel) (entehar|intihar|ente7ar)"),
    Phrase("ar", PASSIVE, POSSIBLE, r"(mish|mush|msh|mesh|ma) (3ayez|3ayz|3ayza|3aiza|bdi|biddi|baddi|beddi|abi) (a3ish|a3eesh|a3eish|a3ees|3eesh|3ish)|"
           r"mabghitsh n3ish|ya (rab|rabb|allah) (khodni|5odni|khudni)"),
    Phrase("ar", EXPLICIT, HIGH, r"(اريد|أريد|ابي|أبي|بدي|عايز|عايزة|نفسي|اود|أود) (ان |أن )?(اموت|أموت)|"
           r"(اقتل|أقتل) نفسي|(سانتحر|سأنتحر|انتحر|أنتحر)|(افكر|أفكر) (في|ب) الانتحار", bounded=False),
    Phrase("ar", PASSIVE, POSSIBLE, r"(لا اريد|لا أريد|مش عايز|مش عايزة|ما بدي|ما ابي) (ان |أن )?(اعيش|أعيش)|ما (عدت|عاد) (اريد|أريد|بدي) (ان |أن )?(اعيش|أعيش)", bounded=False),
    # ------------------------------------------------------------ Persian (Latin and script)
    Phrase("fa", EXPLICIT, HIGH, r"(mikham|mikhaam|mekham|mikhastam) (bemiram|khodkoshi konam|khodamo bokosham)|"
           r"khodkoshi (konam|mikonam)|(nemikham|nemikhaam) (zende|zendegi) (basham|konam)"),
    Phrase("fa", EXPLICIT, HIGH, r"میخوام بمیرم|می خواهم بمیرم|میخواهم بمیرم|خودکشی کنم|خودمو بکشم", bounded=False),
    # ------------------------------------------------------------ Russian / Ukrainian (Cyrillic and Latin)
    Phrase("ru", EXPLICIT, HIGH, r"хочу (умереть|сдохнуть|покончить с собой|убить себя)|покончу с собой|убью себя|"
           r"думаю о (суициде|самоубииств)|суицидальные мысли|хочу (померти|вмерти|вбити себе)|покінчу з собою|"
           r"(hochu|khochu|xochu) (umeret|sdohnut|pokonchit s soboi|pomerty|pomerti)|pokonchu s soboi|dumayu o (samoubiistve|samoubiystve|suitside)"),
    Phrase("ru", PASSIVE, POSSIBLE, r"не хочу (больше |бiльше |більше )?(жить|жити)|(ne hochu|ne khochu) (bolshe )?(zhit|jit)|"
           r"исчезнуть навсегда|(usnut|zasnut) i ne prosnutsya|уснуть и не проснуться"),
    Phrase("ru", SELF_HARM, HIGH, r"(я )?(снова |опять )?(режу себя|порезала себя|порезал себя|наношу себе)|prichinil[a]? sebe bol"),
    # ------------------------------------------------------------ Greek (script and Greeklish)
    Phrase("el", EXPLICIT, HIGH, r"θελω να (πεθανω|αυτοκτονησω|σκοτωθω)|θα αυτοκτονησω|"
           r"thelo na (pethano|aftoktoniso|skototho)|tha aftoktoniso"),
    Phrase("el", PASSIVE, POSSIBLE, r"δεν θελω (αλλο )?να ζω|den thelo (allo )?na zo"),
    # ------------------------------------------------------------ Vietnamese
    Phrase("vi", EXPLICIT, HIGH, r"(toi|tao|minh|em|anh|con) (that su |chi |rat |cung )?muon (chet|tu tu|tu sat)|"
           r"muon (tu tu|tu sat)|nghi den (chuyen )?(tu tu|tu sat|cai chet)"),
    Phrase("vi", PASSIVE, POSSIBLE, r"(khong|ko|k) (con )?muon song (nua)?"),
    Phrase("vi", SELF_HARM, HIGH, r"tu (lam hai|lam dau|rach tay) (ban than|minh)"),
    # ------------------------------------------------------------ Swahili
    Phrase("sw", EXPLICIT, HIGH, r"nataka (kufa|kujiua)|nitajiua|ninataka kufa|najiua|(na|nina)fikiria kujiua"),
    Phrase("sw", PASSIVE, POSSIBLE, r"sitaki (kuishi|kuendelea kuishi)( tena)?|nimechoka (na )?kuishi"),
    Phrase("sw", SELF_HARM, HIGH, r"nimejiumiza( tena)?|najiumiza"),
    # ------------------------------------------------------------ Nigerian Pidgin
    Phrase("pcm", EXPLICIT, HIGH, r"\bi (wan|wanna|go) (die|kpai|quench|kill myself|end my life)|make i (just )?die"),
    Phrase("pcm", PASSIVE, POSSIBLE, r"i no (wan|want|fit) (live|dey live|continue live) again"),
    # ------------------------------------------------------------ Bengali in Latin letters
    Phrase("bn", EXPLICIT, HIGH, r"(ami )?(morte|more jete) chai|(attohotta|atmohotta|attmohotta|atmohotya|attohotya) (korbo|korte chai|korar)|"
           r"(ar )?bachte (ichhe|icche) kore na"),
    # ------------------------------------------------------------ Chinese, Japanese, Korean
    Phrase("zh", EXPLICIT, HIGH, r"我?想死|不想活|想自杀|想自殺|自杀|自殺|轻生|結束生命|结束生命", bounded=False),
    Phrase("ja", EXPLICIT, HIGH, r"死にたい|消えたい|自殺したい|自殺する|shinitai", bounded=False),
    Phrase("ko", EXPLICIT, HIGH, r"죽고\s?싶|자살하고\s?싶|자살할", bounded=False),
    # ------------------------------------------------------------ learner English
    # shapes a first language leaves in English ("i want stop my life", "i think to die") that the
    # English patterns, written for native grammar, do not cover
    Phrase("en-learner", EXPLICIT, HIGH, r"(me|i|i am|i'm|im) (want|wanna|wish|need|pray|am want|am wish|am wishing) "
           r"(to )?(die|be die|be dead|dead|death)",
           after_not=r"\s*(tired|serious|set|ass|on|of|inside|my|your|his|her|it|them|the|a|blue|red|black|pink)\b"),
    Phrase("en-learner", EXPLICIT, HIGH, r"(want|wanna|wish|decide|decided|thinking|think|will|go to|going to|plan|make|"
           r"finally) (to |for |of )?(finish|end|stop|close) (with )?(my|this) (life|living)",
           after_not=r"\s*(insurance|story|savings|coach|style|partner|work|goals?|plan|policy)"),
    Phrase("en-learner", EXPLICIT, HIGH, r"(i|i am|i'm|im) (want|will|wanna|going to|decide to|decided to|make|am want) (to )?"
           r"(finish|end) (me|myself)(?! off)|(make|do) (me )?dead( myself)?|kill (me|my) ?self|"
           r"(make|made) (the )?end of me|i (go to|going to|will|want to|want|wanna|am going to|decide to|decided to) "
           r"(kill|finish|end) me\b(?! off)|(thinking|think|thought) how to (kill|finish|end) me\b(?! off)"),
    Phrase("en-learner", EXPLICIT, HIGH, r"(think|thinking|thought|want|wish|decide|decided|plan|make|do) "
           r"(to |of |about |for |in )?(make |do |commit |the )?suicide",
           after_not=r"\s*(prevention|awareness|helpline|hotline|line|rates?|statistics|research|bomb|squad|"
                     r"song|film|movie|book|scene|mission)"),
    Phrase("en-learner", EXPLICIT, HIGH, r"i (am )?(think|thinking) (to|for) (die|dead|kill)|"
           r"all (days|day|the days) i think (to|for|about) (die|dead|death)"),
    Phrase("en-learner", P.MEANS, HIGH, r"(way|how)( [\w']+){0,4} (to |for )?(die|dying)( [\w']+){0,2} "
           r"without (pain|hurt|hurting|suffering)"),
    Phrase("en-learner", PASSIVE, POSSIBLE, r"i (no|not|don't|dont|do not|am not) (want|wish) (to )?(live|living|be alive|exist)"
           r"(?=\s*($|[,.!?]|more|anymore|any more|again|no more|this life|tomorrow))|"
           r"(not|no) (want|wish) (to )?see tomorrow|my life i want (to )?(stop|finish|end)( it)?|"
           r"tired (for|of) (live|living)(?=\s*($|[,.!?]))|"
           r"(go|going|leave) (away )?from (this|the) (world|life)(?=\s*($|[,.!?]|forever|soon|now|tonight))|"
           r"better (for [\w ]{2,15} )?if i (am|be|was) not (exist|here|alive)|better i (am|be) (die|dead)|"
           r"i am not exist|better (if )?i (am )?not (exist|here|alive)"),
    Phrase("en-learner", SELF_HARM, HIGH, r"i (hurt|cut|harm) me (with|again|on purpose|for purpose)|"
           r"(make|made|do|did|doing|am do|am doing|was make) (self ?harm|sh|hurt to (me|myself)|harm to (me|myself)|"
           r"the cut)(?=\s*($|[,.!?]|again|every|on|when|to))|(hurting|harming) (me|my body|myself) (with|on|for) purpose|"
           r"(make|made|do|did) (the )?cuts? (on|in) my (arm|arms|leg|legs|wrist|wrists|skin|body)"),
)

_NEGATORS = frozenset({
    "no", "not", "never", "dont", "don't", "nunca", "jamas", "nao", "nem", "pas", "jamais", "non",
    "mai", "nicht", "nie", "niet", "nooit", "nu", "niciodata", "nahi", "nahin", "nhi", "mat",
    "hindi", "tidak", "tak", "gak", "nggak", "bukan", "не", "никогда", "ні", "ніколи", "δεν", "μη",
    "khong", "ko", "asla", "degil", "won't", "wont",
})


@dataclass(frozen=True)
class Hit:
    language: str
    category: str
    level: str
    start: int   # character offsets in the folded text
    end: int
    negated: bool


def _fold_pattern(pattern: str) -> str:
    # Fold the letters only; regex syntax is ASCII and survives the fold unchanged.
    return "".join(fold(ch) if (ch.isalpha() or not ch.isascii()) else ch for ch in pattern)


@lru_cache(maxsize=1)
def _compiled() -> Tuple[Tuple[Phrase, Pattern[str], Optional[Pattern[str]], Optional[Pattern[str]]], ...]:
    out = []
    for phrase in PHRASES:
        body = _fold_pattern(phrase.pattern)
        if phrase.bounded:
            body = rf"(?<![\w'])(?:{body})(?![\w'])"
        after = re.compile(phrase.after_not) if phrase.after_not else None
        before = re.compile(rf"(?:{phrase.before_not})") if phrase.before_not else None
        out.append((phrase, re.compile(body), after, before))
    return tuple(out)


def _negated(folded: str, start: int) -> bool:
    words = re.findall(r"[\w']+", folded[max(0, start - 40):start])[-3:]
    return any(w in _NEGATORS for w in words)


def hits(text: str) -> List[Hit]:
    """Every first-person risk phrase in text, in order; idioms and guarded forms left out."""
    if not text or not text.strip():
        return []
    folded = fold(text)
    found: List[Hit] = []
    for phrase, rx, after, before in _compiled():
        for m in rx.finditer(folded):
            if after is not None and after.match(folded, m.end()):
                continue
            if before is not None and before.search(folded[max(0, m.start() - 20):m.start()]):
                continue
            found.append(Hit(phrase.language, phrase.category, phrase.level, m.start(), m.end(),
                             _negated(folded, m.start())))
    found.sort(key=lambda h: (h.start, -h.end))
    return found
