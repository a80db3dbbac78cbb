package pii

import "strings"

// Given names and surnames, for the name recognizer. The lists are our own,
// written by hand and kept compact (about 3,300 distinct given names and
// 600 surnames, some 30 KB). They follow public-domain facts about name
// frequencies, but are an approximation typed from knowledge of them, not
// an extract of the files:
//
//   - English given names: the top of the 1990 US Census name frequency
//     tables (dist.male.first, dist.female.first; US Census Bureau, a work
//     of the US Government, public domain) and frequent later names of the
//     Social Security Administration's baby-name counts (public domain);
//   - other languages: common given names of the kind national statistics
//     offices publish in their top-names tables;
//   - surnames: the top of the 2010 US Census surname table (public
//     domain) and a handful of the commonest per European country and a few
//     Asian ones.
//
// No list was copied from another project or from the evaluation data.
// Words that are also common English words, places or product names
// ("Will", "May", "Grace", "Claude", "Journey") are in ambiguousNames: they
// count as a name only with a surname or a cue.

const givenNamesEnglish = `
james john robert michael william david richard charles joseph thomas christopher daniel paul mark donald george kenneth
steven edward brian ronald anthony kevin jason matthew gary timothy jose larry jeffrey frank scott eric stephen andrew
raymond gregory joshua jerry dennis walter patrick peter harold douglas henry carl arthur ryan roger joe juan jack albert
jonathan justin terry gerald keith samuel willie ralph lawrence nicholas roy benjamin bruce brandon adam harry fred wayne
billy steve louis jeremy aaron randy howard eugene carlos russell bobby victor martin ernest phillip todd jesse craig alan
shawn clarence sean philip chris johnny earl jimmy antonio danny bryan tony luis mike stanley leonard nathan dale manuel
rodney curtis norman allen marvin vincent glenn jeffery travis jeff chad jacob lee melvin alfred kyle francis bradley
jesus herbert frederick ray joel edwin don eddie ricky troy randall barry alexander bernard mario leroy francisco marcus
micheal theodore clifford miguel oscar jay jim tom calvin alex jon ronnie bill lloyd tommy leon derek warren darrell
jerome floyd leo alvin tim wesley gordon dean greg jorge dustin pedro derrick dan lewis zachary corey herman maurice
vernon roberto clyde glen hector shane ricardo sam rick lester brent ramon charlie tyler gilbert gene marc reginald
ruben brett angel nathaniel rafael leslie edgar milton raul ben chester cecil duane franklin andre elmer brad gabriel
ron mitchell roland arnold harvey jared adrian karl cory claude erik darryl jamie neil jessie christian javier fernando
clinton ted mathew tyrone darren lonnie lance cody julio kelly kurt allan nelson guy clayton hugh max dwayne dwight
armando felix jimmie everett jordan ian wallace ken bob jaime casey alfredo alberto dave ivan johnnie sidney byron julian
isaac morris clifton willard daryl ross virgil andy marshall salvador perry kirk sergio marion tracy seth kent terrance
rene eduardo terrence enrique freddie wade austin stuart fredrick arturo alejandro jackie joey nick luther wendell jeremiah
evan julius dana donnie otis shannon trevor oliver luke homer gerard doug kenny hubert angelo shaun lyle matt lynn alfonso
orlando rex carlton ernesto cameron neal pablo lorenzo omar wilbur blake grant horace roderick kerry abraham willis rickey
jean ira andres cesar johnathan malcolm rudolph damon kelvin rudy preston alton archie marco wm pete randolph garry
geoffrey jonathon felipe bennie gerardo ed dominic robin loren delbert colin guillermo earnest lucas benny noel spencer
rodolfo myron edmund garrett salvatore cedric lowell gregg sherman wilson devin sylvester kim roosevelt israel jermaine
forrest wilbert leland simon guadalupe clark irving carroll bryant owen rufus woodrow sammy kristopher mack levi marcos
gustavo jake lionel marty taylor ellis dallas gilberto clint nicolas laurence ismael orville drew jody ervin dewey al
wilfred josh hugo ignacio caleb tomas sheldon erick frankie stewart doyle darrel rogelio terence santiago alonzo elias
bert elbert ramiro conrad pat noah grady phil cornelius lamar rolando clay percy dexter bradford merle darin amos terrell
moses irvin saul roman darnell randal tommie timmy darrin winston brendan toby van abel dominick boyd courtney jan emilio
elijah cary domingo santos aubrey emmett marlon emanuel jerald edmond ethan liam mason logan aiden jackson elliot
mary patricia linda barbara elizabeth jennifer maria susan margaret dorothy lisa nancy karen betty helen sandra donna
carol ruth sharon michelle laura sarah kimberly deborah jessica shirley cynthia angela melissa brenda amy anna rebecca
virginia kathleen pamela martha debra amanda stephanie carolyn christine marie janet catherine frances ann joyce diane
alice julie heather teresa doris gloria evelyn jean cheryl mildred katherine joan ashley judith rose janice kelly nicole
judy christina kathy theresa beverly denise tammy irene jane lori rachel marilyn andrea kathryn louise sara anne jacqueline
wanda bonnie julia ruby lois tina phyllis norma paula diana annie lillian emily robin peggy crystal gladys rita dawn
connie florence tracy edna tiffany carmen rosa cindy grace wendy victoria edith kim sherry sylvia josephine thelma shannon
sheila ethel ellen elaine marjorie carrie charlotte monica esther pauline emma juanita anita rhonda hazel amber eva debbie
april leslie clara lucille jamie joanne eleanor valerie danielle megan alicia suzanne michele gail bertha darlene veronica
jill erin geraldine lauren cathy joann lorraine lynn sally regina erica beatrice dolores bernice audrey yvonne annette
june samantha marion dana stacy ana renee ida vivian roberta holly brittany melanie loretta yolanda jeanette laurie katie
kristen vanessa alma sue elsie beth jeanne vicki carla tara rosemary eileen terri gertrude lucy tonya ella stacey wilma
gina kristin jessie natalie agnes vera willie charlene bessie delores melinda pearl arlene maureen colleen allison tamara
joy georgia constance lillie claudia jackie marcia tanya nellie minnie marlene heidi glenda lydia viola courtney marian
stella caroline dora jo vickie mattie terry maxine irma mabel marsha myrtle lena christy deanna patsy hilda gwendolyn
jennie nora margie nina cassandra leah penny kay priscilla naomi carole brandy olga billie dianne tracey leona jenny felicia
sonia miriam velma becky bobbie violet kristina toni misty mae shelly daisy ramona sherri erika katrina claire lindsey
lindsay geneva guadalupe belinda margarita sheryl cora faye ada natasha sabrina isabel marguerite hattie harriet molly
cecilia kristi brandi blanche sandy rosie joanna iris eunice angie inez lynda madeline amelia alberta genevieve monique
jodi janie maggie kayla sonya jan lee kristine candace fannie maryann opal alison yvette melody luz susie olivia flora
shelley kristy mamie lula lola verna beulah antoinette candice juana jeannette pam kelli hannah whitney bridget karla
celia latoya patty shelia gayle della vicky lynne sheri marianne kara jacquelyn erma blanca myra leticia pat krista roxanne
angelica johnnie robyn francis adrienne rosalie alexandra brooke bethany sadie bernadette traci jody kendra jasmine nichole
rachael chelsea mable ernestina muriel marcella elena krystal angelina nadine kari estelle dianna paulette lora mona doreen
rosemarie angel desiree antonia hope ginger janis betsy christie freda mercedes meredith lynette teri cristina eula leigh
meghan sophia eloise rochelle gretchen cecile raquel henrietta alyssa jana kelley gwen kerry jenna tricia laverne olive
alexis tasha silvia elvira casey delia sophie kate patti lorena kellie sonja lila lana darla may mindy essie mandy lorene
elsa josefina jeannie miranda dixie lucia marta faith lela johanna shari camille tami shawna elisa ebony melba ora nettie
tabitha ollie jaime winifred kristie abigail madison ava isabella mia chloe zoe lily aubrey addison layla brooklyn
`

const givenNamesOther = `
hans peter klaus jürgen jurgen dieter uwe wolfgang günter gunter horst helmut manfred gerhard werner heinz rolf karl-heinz
stefan andreas thomas frank michael markus matthias christian sebastian tobias florian lukas jonas leon felix maximilian
moritz niklas jannik lena anna lea hannah laura julia sarah lisa katharina sophie marie johanna ursula ingrid renate
monika gisela petra sabine brigitte heike birgit claudia susanne andrea kerstin anja nicole stefanie katrin sandra
jean pierre michel philippe alain jacques bernard christophe nicolas françois francois frédéric frederic olivier
patrick laurent thierry pascal éric sébastien sebastien julien guillaume antoine mathieu maxime romain hugo théo theo
lucas louis gabriel arthur jules marie nathalie isabelle sylvie catherine françoise francoise valérie valerie sandrine
christine céline celine aurélie aurelie camille manon chloé léa lea emma inès ines jade louise juliette amélie amelie
élise elise mathilde margaux clémence clemence océane oceane
josé jose antonio manuel francisco juan javier carlos miguel rafael pedro ángel angel alejandro fernando pablo sergio
jorge luis alberto diego raúl raul rubén ruben álvaro alvaro adrián adrian iván ivan hugo mateo santiago joão joao paulo
marcos gonçalo goncalo tiago rui vítor vitor ricardo eduardo gustavo rodrigo thiago matheus felipe leonardo bruno
maría carmen ana isabel dolores pilar teresa rosa cristina marta lucía lucia elena laura sara paula raquel beatriz
silvia patricia mónica monica rocío rocio alba claudia andrea irene nuria mercedes montserrat inmaculada concepción
joana mariana inês beatriz catarina rita sofia leonor francisca gabriela fernanda juliana camila larissa letícia
giuseppe giovanni antonio mario luigi francesco angelo vincenzo pietro salvatore carlo franco domenico bruno paolo
michele giorgio aldo sergio luciano marco alessandro andrea lorenzo matteo leonardo riccardo davide simone federico
gabriele stefano fabio massimo roberto emanuele daniele luca giulia francesca chiara sara alessia martina giorgia
valentina elisa federica silvia paola elena simona roberta monica barbara rossella antonella giovanna lucia rosa
teresa maria concetta carmela anna grazia angela
lars anders nils per erik karl jan johan olof mikael magnus henrik fredrik gustav axel oscar oskar emil hugo elias
william liam noah lucas oliver isak viktor ludvig sven björn bjorn leif ole knut kjell morten jens søren soren niels
rasmus mads frederik kasper christian mathias jonas thomas martin bjarne torben ib gunnar arne einar sigurd ivar
kristian jørgen jorgen rune håkon hakon eirik sindre tor finn jón jon sigurður gunnar ólafur ólafur guðmundur kristján
anna eva karin kristina maria margareta elisabeth ingrid birgitta marie sofia emma maja elsa alice ella wilma astrid
ebba freja ida clara saga linnea ingeborg kirsten mette hanne lene susanne camilla pernille line sofie nanna signe
kari ingrid liv randi solveig berit tone hilde silje ingunn guðrún sigríður kristín helga
jan piet kees henk wim johan willem hendrik pieter dirk joost bram daan sem lars ruben thijs jeroen bas sander
maarten bart koen tim stijn anke annemieke ingrid marieke femke sanne lotte fleur sophie julia tess noor eva anouk
jan piotr krzysztof andrzej tomasz paweł pawel marcin michał michal grzegorz józef jozef marek adam łukasz lukasz
zbigniew jerzy tadeusz kazimierz mariusz dariusz wojciech rafał rafal jakub kamil mateusz szymon bartosz maciej
anna maria katarzyna małgorzata malgorzata agnieszka barbara ewa krystyna elżbieta elzbieta zofia teresa magdalena
joanna janina monika danuta jadwiga aleksandra natalia karolina julia zuzanna wiktoria
jiří jiri jan petr josef pavel martin tomáš tomas jaroslav miroslav zdeněk zdenek václav vaclav michal karel milan
vladimír vladimir david jakub lukáš lukas ondřej ondrej marie jana eva hana anna lenka kateřina katerina věra vera
lucie alena petra veronika jaroslava tereza martina michaela zuzana ivana monika markéta marketa klára klara barbora
ivan dmitry dmitri sergei sergey alexander aleksandr alexei aleksei andrei andrey mikhail nikolai nikolay vladimir
yuri yury oleg igor boris pavel viktor anatoly gennady konstantin maxim maksim artem denis roman evgeny yevgeny
olga natalia natalya elena yelena tatiana tatyana svetlana irina anastasia ekaterina yekaterina maria marina galina
lyudmila ludmila larisa nadezhda oksana yulia julia valentina daria darya ksenia polina sofia
lászló laszlo istván istvan józsef jozsef jános janos zoltán zoltan sándor sandor gábor gabor ferenc attila péter
tamás tamas zsolt tibor andrás andras csaba imre lajos györgy gyorgy mária maria erzsébet erzsebet katalin ilona éva
anna zsuzsanna margit judit ágnes agnes andrea krisztina erika eszter
juha timo matti kari mikko jari antti jukka markku pekka hannu heikki seppo janne ville tuomas petri jani lauri aleksi
eero onni väinö vaino eino toivo tuula anne päivi paivi sari tiina pirjo merja leena riitta marja hanna minna satu
johanna anneli kaarina aino helmi sanna laura emilia
georgios giorgos dimitrios konstantinos ioannis nikolaos panagiotis christos vasileios athanasios evangelos michail
maria eleni aikaterini vasiliki sofia angeliki georgia dimitra konstantina
mehmet mustafa ahmet ali hüseyin huseyin hasan ibrahim ismail osman yusuf murat ömer omer ramazan halil süleyman
fatma ayşe ayse emine hatice zeynep elif meryem şerife zehra sultan hanife merve
mohammed muhammad mohamed ahmed ahmad ali omar umar hassan hussein hussain youssef yusuf ibrahim khalid abdullah
abdul karim mustafa tariq samir amir hamza bilal fatima aisha ayesha khadija maryam zainab layla leila nour noor
amina yasmin yasmine salma hana rania
raj rahul amit anil sunil vijay sanjay ravi ramesh suresh rajesh mahesh arun ashok deepak manoj vikram arjun rohit
aditya vivek karan nikhil sachin priya pooja neha anjali sunita anita kavita divya lakshmi deepa rekha asha meera
shreya aishwarya sneha ananya
wei jie hao jun ming lei yang tao bo xin yu hui li ying jing min yan fang lan mei
hiroshi takashi kenji yuki haruto sota riku yuto ren daiki kenta satoshi akira kazuki takumi shota naoki makoto yusuke
sakura yui hina aoi yuna rin mio akari haruka yoko keiko yoshiko kazuko hiroko michiko tomomi ayumi mai emi
min-jun seo-jun ji-hoon hyun-woo ji-woo seo-yeon ji-yeon soo-jin min-ji
kwame kofi kwabena yaw ama akosua abena chinedu emeka chukwuemeka oluwaseun olumide tunde ngozi chioma adaeze
`

// givenNamesMore widens the lists above: more frequent names of the US
// Social Security Administration's counts of recent decades, and common
// given names of further countries and languages (Nordic, Baltic, Slavic,
// Balkan, Romanian, Greek, Turkish, Persian, Arabic, South Asian, African,
// East Asian, Latin American), as their statistics offices publish them.
const givenNamesMore = `
aaliyah abby abdul ada adeline adriana agnes aidan aileen aimee alana alanna alec alejandra alessandra alexa alexandria
alfie alisha allie alyson amani amara amari amelie amir amos anastasia andreas angelina anika aniya annabel annabelle
annika ansel antonella anya archer aria ariana ariel arielle arlo armani arya asher ashton aspen athena atticus aubree
audrina august autumn averie avery axel ayden bailey beatrix beau beckett bella bentley bianca blaine bodhi bonnie
braden brady braxton brayden brenna brielle brinley brody brooklynn bryce bryson cade caden callie callum camden
camila camilo cara carmela carson carter cassidy catalina cecily celeste celine cesar chandler charley chase chaya
cheyenne clarissa clementine cole colton conner connor cooper cora corinne dakota dalia damian damien dane daniela
daphne darian dario davina dawson declan delaney delilah demi desmond destiny devon diego dominique donovan dorian
eden eli eliana elian elise eliza ellie elliott eloise elyse emerson emery emilia emiliano emmanuel emmett enzo esme
esmeralda estella esteban evangeline evelyn everly ezekiel ezra fabian faith fatima felicity finley finn fiona
fletcher flynn frances francesca freya gael gage gemma genesis georgina giana gianna gideon giovanna giselle gracie
graham greta griffin gunnar gwyneth hadley hailey harlow harper harvey hayden hazel heath holden hudson iliana imani
isaiah isla israel itzel ivy izabella jace jaden jaelyn jake jakob jamal jameson jared jasper javon jaxon jayden jayla
jaylen jenna jensen jett jocelyn johan jolene josiah journey judah jude juliana julianna julien juniper kaden kai kaia
kaitlyn kaleb kamila karina kayden keegan kehlani kendall kennedy kenzie khalil kian kieran kinsley kira knox kylie
laila landon lane lanie leighton leila leilani lennon leo leona leonel lexi liana lila lilah liliana lilly lincoln
logan londyn lorelei luca lucian luciana lyla lyric mabel mackenzie macy maddox madelyn maeve magnus makayla malachi
malia malik marcel mariah mariana marisol marley mateo matias maverick maxwell mckenna melina mila milan miles
miriam moses myles nadia nash nathalie nevaeh nia nico nikolai nina noelle nola nolan nora norah oakley octavia
odette olive oliver omari orion otto paisley paloma parker paxton payton penelope peyton phoebe piper poppy presley
quentin quinn rafael raegan raiden ramona raven rayna reagan reed reese regan reid remi remington rhett rhys river
rocco rohan roman romeo ronan rory rosalie rowan ruby rylan sabrina sadie sage salma samara santino sasha savannah
sawyer scarlett selena serena shiloh sienna sierra silas simone skylar sloane sophia stella sterling sutton tatum
teagan tessa thalia theo theodora tobias tristan trinity uriel valentina valeria vanessa vienna violet vivian
vivienne wade walker waylon wesley weston willa willow wren wyatt xander ximena yara yasmin zachariah zane zara zayn
zion zoe zoey
aleksander aleksandra alicja amelia antoni apolonia bogdan bogusław bolesław bożena bronisław celina cezary
czesław dagmara damian danuta dominika dorota edyta eliza emilia ewelina feliks filip franciszek gabriela genowefa
gosia grażyna halina hanna henryk hubert ignacy igor irena iwona jacek jadwiga jagoda janusz jarosław jolanta julian
justyna kacper kasia kinga klaudia konrad kornelia krystian krzysztof lech lena leon lucyna łucja maja maksymilian
małgorzata marcel marianna marzena mieczysław mikołaj milena mirosław nikola nikodem olga oliwia oskar patrycja
radosław renata roksana ryszard sebastian sławomir stanisław stefan sylwia tadeusz teodor tymon urszula wanda
weronika wiesław wiktor witold władysław włodzimierz wojciech zbigniew zdzisław zenon zofia zygmunt
adéla alois aneta antonín blanka bohumil bohuslav božena bedřich dana daniela dominik drahomíra dušan eliška
emil filip františek hedvika helena ilona irena jana jarmila jindřich jiřina josef kamil karolína kristýna libor
libuše lubomír ludmila luboš marcela marek matěj miloš miroslava monika naděžda nikola oldřich olga pavla radek
radka renata robert roman rostislav růžena simona šárka soňa stanislav štěpán svatopluk taťána vanda vendula
věra viktorie vít vlasta vojtěch zdeňka zuzana
ágnes ákos aladár aliz alpár anikó antal árpád attila balázs bálint barna béla bence benedek boglárka botond csilla
dániel dénes dezső dóra edit elek emese endre erika ernő etelka ferenc flóra gabriella gergely gizella gyula hajnalka
henrik ildikó imre irén istván jenő jolán józsef judit julianna kálmán károly kinga klára kornél krisztián lajos
lilla lőrinc lujza márk márta melinda mihály miklós nándor noémi norbert olivér orsolya ottó pál piroska réka
rezső richárd róbert rozália sarolta szabolcs szilvia tamás tibor tímea vilma viktória zita zoltán zsófia zsuzsa
aino aleksi anni anssi antero arja arto asko eetu eila eini elina elli emma erkki esa esko hannele harri heidi
heli helmi hilkka ilkka ilmari irja jaakko jarmo joni jouni juhani jussi kaija kalevi kalle kati katja kirsi kristiina
kyösti lasse leevi liisa lotta maija marjatta marketta marko matias meri mervi milla minttu mirja niilo niina oskari
otto outi paavo paula pentti raili raimo raija reijo riikka risto ritva rauni saara sakari salla sami samuli sanni
seija simo sirpa sofia sulo taina taneli tapani tapio tarja teemu terhi tommi tuija tuomo tuulikki ulla unto urho
vappu veikko veli venla vesa vilho viljo virpi väinö
aadu aare aivar aleksander andres ants arvo astrid aune eduard eerik elmar endel enn evald heiki heino helju hillar
ilmar indrek jaak jaan juhan kadri kaido kalju kersti koit kristjan kuno lauri leida lembit liina linda maarika
madis mait malle margus mari marju meelis merike mihkel milvi oskar peeter priit rein riho riina sirje taavi tiit
toomas tõnu ülle urmas vello viive
aleksandras algirdas antanas arūnas audrius birutė dainius darius dalia danutė egidijus giedrius gintaras irena
jonas jurgita kęstutis laura linas mindaugas ona rasa rimantas rūta saulius tomas vaida vida vilius vytautas žydrūnas
aigars andris anna artūrs dace edgars guntis ilze inese jānis juris kristaps laila līga māris mārtiņš raimonds
sandra uldis valdis zane
aleksandar ana anđela biljana bojan boris božidar branka branko danijela darko dejan dragan dragana dušan goran
gordana ivana ivica jasmina jelena jovan katarina ljiljana ljubica luka marija marko milan milena milica miloš
miodrag mirjana mladen nebojša nemanja nikola ognjen predrag radovan ratko sanja saša slavica slobodan snežana
srđan stefan svetlana tanja tijana uroš vesna vladimir vojislav zoran željko živko zlatko
adrian alexandru alin anca andreea bogdan camelia catalin claudiu cornel corina cristian daniela dorin dragos elena
emil florin gabriel gheorghe ileana ioan ioana ion iulia iulian liviu lucian marian marius mihaela mihai mircea
monica nicolae ovidiu petru radu raluca razvan sorin stefania teodor valentin vasile viorel
achilleas alexandros anastasia antonios apostolos aristotelis athina charalampos christina despina eleftherios
eirini evangelia fotini ilias kalliopi kyriakos lambros marina nektarios nikoletta olga panagiota paraskevi pavlos
penelope petros spyridon stavros stella theodoros thomas vasiliki yiannis zoe
ahmet aslı ayşegül barış berk berkay burak can cem cemre deniz derya ebru ece ekin elif emel emre engin esra
fatih ferhat gökhan gül gülşen hakan hande irem kaan kemal kerem levent melike meltem mert murat nur onur orhan
özge özlem pınar sedef selin serkan sevgi sinan tolga tuba tuğba ufuk umut volkan yasemin yiğit yusuf
amir arash ashkan azadeh babak bahram behnam behrouz darius dariush farhad farid fariba farzaneh golnar hamid
hossein kamran kaveh leila mahnaz mahsa mehdi mehran mina mohsen nasrin navid niloufar omid parisa parviz payam
pouya reza roya saeed sahar sara shirin soheil soraya yasaman zahra
abdelaziz abdullah adel adnan ahmed aisha ali amal amina amr anas asma ayman bashir bassam dalia dina ehab fadi
faisal farah fares fatima ghada hadi hala hamza hanan hassan haya hiba hisham hoda hussein ibrahim imad iman islam
jamal jamila karim khaled khalil lamia lina maha mahmoud majid malak manal marwa mazen mohamed mona mounir
mustafa nabil nada nadia naji nasser nawal noura omar osama rami rana rania rashid reem rima safa said salah salem
salim salma samer samia sami samira sara sherif suha tamer tarek walid wael yasmin yasser youssef zaid zainab ziad
aarav aarti abhishek ajay akash akhil alok amitabh ananya anand anika anil anjali ankit anupam arjun arvind ashwin
bhavna chetan deepika dev dhruv dinesh gaurav geeta gopal harish harsh hemant isha ishaan jaya jyoti kabir kamal
kavya kiran krishna kunal lata madhav mahesh manish meena mohan mukesh naveen neeraj nisha nitin pankaj parth pooja
pradeep prakash pranav preeti priyanka radha rahul rajiv rakesh ramesh rani ravi rekha rishi ritu rohan sahil
sandeep sangeeta sanjay sapna saurabh seema shalini shankar shanti shiv shweta siddharth sonia sudha sumit sunil
suresh swati tanvi tarun uma usha varun vidya vikas vinay vinod yash zoya
abebe abimbola adaeze adebayo adeola ayodele babajide bongani chiamaka chidi chidinma chinonso chinwe ebere emeka
folake funmilayo ifeoma ikechukwu kayode kehinde kelechi kwabena kwaku lindiwe mandla musa nkechi nkosana nnamdi
obinna oluchi olumide oluwadamilare sipho taiwo temitope thabo thandiwe tunde uchenna yetunde zanele zodwa
aiko akane asuka ayaka chiaki chihiro daisuke eiji emiko fumiko hana haruki hideo hikari hiroki hiromi hitomi
ichiro jun junko kaito kaori kazuo keisuke ken kenichi kiyoshi koji kumiko masahiro masako masato mayumi megumi
minoru miyu momoko naoko natsuki noriko osamu reiko rie ryo ryota sachiko saki satomi shinji shiori shun sora
takeshi taro tetsuya tomoko toshiro tsubasa yamato yasuko yoshiro yui yukiko yusuke yuto
bao chen chun dong fei feng gang guang hong hua jian jiang jin kai lan lian liang ling long mei min ning ping qiang
qing rong shan sheng shu tian ting wen xia xiang xiao xiu yan yi yong yun zhen zhi zhong
ahn byung chae cheol dae eun geon gyu hae hee hye hyun jae ji jin joon jung kyung mi min myung sang seo seung shin
soo sun sung woo young yeon
agustín alejandra alicia amparo andrés aníbal araceli armando aurelio benicio benjamín blanca camila candela carolina
catalina cayetana cecilia celia constanza consuelo cristóbal dolores eduardo elvira emiliano enrique ernesto esperanza
esteban eugenia fabiola facundo federico florencia fernanda gabriela gonzalo graciela guadalupe gustavo héctor
hernán horacio ignacio inés isidro jacinto jimena joaquín julieta leandro leticia lorena lourdes luciana macarena
magdalena marcela maximiliano mercedes milagros nicolás octavio paola patricio pilar ramiro renata rocío rodolfo
rogelio salvador santiago sebastián soledad tomás valentina valeria ximena yolanda
adriano alessio alfredo ambra arianna beatrice benedetta carla carolina cesare cosimo dario edoardo elio enrico
ettore fabrizio filippo flavio gaetano gianluca gianni giacomo ginevra giulio greta ilaria irene jacopo leonardo
livia lucio ludovica manuela marcello mattia maurizio mirko nadia nicola noemi ottavio piero raffaele rebecca
renato rita sabrina samuele serena sofia tommaso ugo umberto vittoria vittorio
`

const surnames = `
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson thomas
taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker young allen king
wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez
phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz
morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james bennett
gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry russell
sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander hamilton
graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford
castro marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen freeman webb tucker
guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes
palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols
stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos
hart bradley knight elliott cunningham duncan armstrong hudson carroll lane riley andrews alvarado ray delgado berry
perkins hoffman johnston matthews pena richards contreras willis carpenter lawrence sandoval
müller mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann schäfer schaefer koch bauer richter
klein wolf schröder schroeder neumann schwarz zimmermann braun krüger hofmann hartmann lange schmitt werner krause
martin bernard dubois thomas robert richard petit durand leroy moreau simon laurent lefebvre michel garcia david
bertrand roux vincent fournier morel girard andré lefèvre mercier dupont lambert bonnet françois martinez
rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti de luca mancini costa giordano
rizzo lombardi moretti
garcía fernández gonzález rodríguez lópez martínez sánchez pérez gómez martín jiménez ruiz hernández díaz moreno muñoz
álvarez romero alonso gutiérrez navarro torres domínguez vázquez ramos gil ramírez serrano blanco molina
silva santos ferreira pereira oliveira costa rodrigues martins jesus sousa fernandes gonçalves gomes lopes marques
alves almeida ribeiro pinto carvalho teixeira moreira correia mendes nunes soares vieira monteiro cardoso rocha
nowak kowalski wiśniewski wisniewski wójcik wojcik kowalczyk kamiński kaminski lewandowski zieliński zielinski
szymański szymanski woźniak wozniak dąbrowski dabrowski kozłowski kozlowski jankowski mazur kwiatkowski krawczyk
novák novak svoboda novotný novotny dvořák dvorak černý cerny procházka prochazka kučera kucera veselý vesely horák
nagy kovács kovacs tóth toth szabó szabo horváth horvath varga kiss molnár molnar németh nemeth farkas balogh
jensen nielsen hansen pedersen andersen christensen larsen sørensen sorensen rasmussen jørgensen jorgensen petersen
madsen kristensen olsen thomsen poulsen johansen knudsen mortensen møller moller johansson andersson karlsson nilsson
eriksson larsson olsson persson svensson gustafsson pettersson jonsson lindberg lindström lindstrom lindqvist
korhonen virtanen mäkinen makinen nieminen mäkelä makela hämäläinen hamalainen laine heikkinen koskinen järvinen
ivanov smirnov kuznetsov popov vasiliev petrov sokolov mikhailov novikov fedorov morozov volkov alekseev lebedev
de jong jansen de vries van den berg bakker visser smit meijer de boer mulder de groot bos vos peters hendriks
murphy kelly o'brien obrien byrne ryan o'sullivan walsh o'connor mccarthy doyle
tanaka suzuki sato satō takahashi watanabe ito itō yamamoto nakamura kobayashi kato katō yoshida yamada sasaki
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo lin he gao luo
kim lee park choi jung kang cho yoon jang lim
singh kumar sharma patel gupta shah mehta reddy rao iyer nair joshi verma mishra
`

// ambiguousNames are given names that are also common words, months or
// product names: a name only with a surname after them or a cue before.
const ambiguousNames = `
will may june april august rose grace hope faith joy mark bill pat sue art frank guy jack bob dawn summer autumn
river sky rich ray drew chase hunter miles norman max dean eve jan don mercedes claude gemini siri alexa cortana
journey destiny genesis trinity lyric sage reign harmony melody serenity heaven haven justice liberty brooklyn
dakota cheyenne aspen everest diamond jasmine clementine poppy juniper willow storm ranger knight bishop queen
walker tanner fisher baker miller reed wade cole yamato nevaeh kenzie
bao chen chun dong fei feng gang guang hong hua jian jiang jin kai lan lian liang ling long mei min ning ping qiang
qing rong shan sheng shu tian ting wen xia xiang xiao xiu yan yi yong yun zhen zhi zhong ahn byung chae cheol dae
eun geon gyu hae hee hye hyun jae ji joon jung kyung mi myung sang seo seung shin soo sung woo young yeon
angel lily ruby pearl crystal amber jade ivy daisy violet olive iris holly hazel ginger candy brandy misty penny
sandy rusty buddy bud dusty chance king earl duke prince baron major page paige sterling carter taylor mason cooper
austin dallas houston jordan israel georgia virginia carolina florence victoria sydney paris china india asia
lincoln washington madison jackson warren ford chevy harley porsche jaguar tesla apple amazon alphabet oracle
phoenix aurora luna nova star stormy sunny rain snow winter spring fall grant lane long young white black brown green
gray grey bell price rice hill wood stone rivers lake banks sun ma hu he li lin wei yu ming bo tao lei jie
`

func wordSet(lists ...string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			m[w] = true
		}
	}
	return m
}

// surnameEndings are endings typical of surnames in several languages
// (Scandinavian -sson, Slavic -ová/-ski/-ović, Greek -opoulos, Finnish
// -inen…), each with the shortest word it applies to.
var surnameEndings = []suffix{
	{"sson", 6}, {"ssen", 6}, {"sen", 6}, {"ová", 5}, {"ova", 6}, {"ski", 6}, {"ska", 6}, {"sky", 6}, {"skiy", 7},
	{"skaya", 7}, {"ović", 5}, {"ovic", 6}, {"ević", 5}, {"evic", 6}, {"vić", 5}, {"ić", 4}, {"enko", 6}, {"chuk", 6},
	{"czuk", 6}, {"escu", 6}, {"opoulos", 8}, {"poulos", 8}, {"akis", 6}, {"idis", 6}, {"dóttir", 8}, {"dottir", 8},
	{"ez", 6}, {"ov", 6}, {"ev", 6}, {"yan", 6}, {"shvili", 8}, {"dze", 6}, {"oglu", 6}, {"oğlu", 6}, {"wicz", 6},
	{"czyk", 6}, {"mann", 6}, {"inen", 7}, {"ainen", 7}, {"ström", 6}, {"strom", 6}, {"qvist", 6}, {"kvist", 6},
	{"gren", 6}, {"elli", 6}, {"etti", 6}, {"ucci", 6}, {"acci", 6}, {"otti", 6}, {"yama", 6}, {"moto", 6},
	{"mura", 6}, {"kawa", 6}, {"gawa", 6}, {"shita", 7}, {"zaki", 6}, {"saki", 6}, {"uchi", 6}, {"shima", 7},
	{"jima", 6}, {"ský", 5}, {"ská", 5}, {"ák", 4}, {"ík", 4}, {"ányi", 6}, {"ényi", 6},
}
